package pool

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/store"
)

func TestAddTenant(t *testing.T) {
	tests := []struct {
		name     string
		tname    string
		secrets  []string
		wantKind string
	}{
		{"simple", "acme", []string{"s1"}, ""},
		{"several secrets", "acme-2", []string{"s1", "s2"}, ""},
		{"longest label", strings.Repeat("a", 63), []string{"s"}, ""},
		{"taken name", "taken", []string{"s"}, "conflict"},
		{"no name", "", []string{"s"}, "invalid"},
		{"upper case", "Acme", []string{"s"}, "invalid"},
		{"dot", "a.b", []string{"s"}, "invalid"},
		{"leading hyphen", "-a", []string{"s"}, "invalid"},
		{"too long", strings.Repeat("a", 64), []string{"s"}, "invalid"},
		{"no secrets", "acme", nil, "invalid"},
		{"empty secret", "acme", []string{""}, "invalid"},
		{"repeated secret", "acme", []string{"s", "s"}, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{})
			if _, err := e.pool.AddTenant(t.Context(), "taken", []string{"x"}); err != nil {
				t.Fatal(err)
			}
			got, err := e.pool.AddTenant(t.Context(), tt.tname, tt.secrets)
			if kind := errKind(err); kind != tt.wantKind {
				t.Fatalf("error kind %q (%v), want %q", kind, err, tt.wantKind)
			}
			tenants, _ := e.pool.Tenants(t.Context())
			if err != nil {
				if len(tenants) != 1 {
					t.Errorf("%d tenants after a refused add, want 1", len(tenants))
				}
				return
			}
			if !uuidRE.MatchString(got.ID) || got.Name != tt.tname || !slices.Equal(got.Secrets, tt.secrets) {
				t.Errorf("got %+v", got)
			}
			stored, err := e.pool.Tenant(t.Context(), got.ID)
			if err != nil || !reflect.DeepEqual(stored, got) {
				t.Errorf("stored %+v, %v; want %+v", stored, err, got)
			}
		})
	}
}

func TestUpdateAndDeleteTenant(t *testing.T) {
	tests := []struct {
		name     string
		id       string // "acme" means acme's id
		up       TenantUpdate
		wantKind string
		want     store.Tenant // ID filled in
	}{
		{name: "rename", id: "acme", up: TenantUpdate{Name: ptr("acme2")}, want: store.Tenant{Name: "acme2", Secrets: []string{"a1"}}},
		{name: "secrets", id: "acme", up: TenantUpdate{Secrets: []string{"x", "y"}}, want: store.Tenant{Name: "acme", Secrets: []string{"x", "y"}}},
		{name: "nothing", id: "acme", want: store.Tenant{Name: "acme", Secrets: []string{"a1"}}},
		{name: "same name", id: "acme", up: TenantUpdate{Name: ptr("acme")}, want: store.Tenant{Name: "acme", Secrets: []string{"a1"}}},
		{name: "name taken", id: "acme", up: TenantUpdate{Name: ptr("other")}, wantKind: "conflict"},
		{name: "bad name", id: "acme", up: TenantUpdate{Name: ptr("A_B")}, wantKind: "invalid"},
		{name: "no secrets", id: "acme", up: TenantUpdate{Secrets: []string{}}, wantKind: "invalid"},
		{name: "unknown", id: "nope", up: TenantUpdate{Name: ptr("x")}, wantKind: "notfound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{})
			acme, err := e.pool.AddTenant(t.Context(), "acme", []string{"a1"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.pool.AddTenant(t.Context(), "other", []string{"o1"}); err != nil {
				t.Fatal(err)
			}
			id := tt.id
			if id == "acme" {
				id = acme.ID
			}
			got, err := e.pool.UpdateTenant(t.Context(), id, tt.up)
			if kind := errKind(err); kind != tt.wantKind {
				t.Fatalf("error kind %q (%v), want %q", kind, err, tt.wantKind)
			}
			stored, _ := e.pool.Tenant(t.Context(), acme.ID)
			if err != nil {
				if !reflect.DeepEqual(stored, acme) {
					t.Errorf("refused update changed the tenant: %+v", stored)
				}
				return
			}
			tt.want.ID = acme.ID
			if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(stored, tt.want) {
				t.Errorf("got %+v, stored %+v; want %+v", got, stored, tt.want)
			}
		})
	}

	e := newEnv(t, Config{})
	acme, err := e.pool.AddTenant(t.Context(), "acme", []string{"a1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.SetTenantSettings(t.Context(), acme.ID, []store.TenantSetting{{Param: "record", Value: "true"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.pool.DeleteTenant(t.Context(), acme.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Tenant(t.Context(), acme.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted tenant: %v, want not found", err)
	}
	if err := e.pool.DeleteTenant(t.Context(), acme.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete twice: %v, want not found", err)
	}
	// The name is free again, and the new tenant has no settings.
	again, err := e.pool.AddTenant(t.Context(), "acme", []string{"a1"})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := e.pool.TenantSettings(t.Context(), again.ID); err != nil || len(s) != 0 {
		t.Errorf("settings of a new tenant: %v, %v", s, err)
	}
}

func TestTenantSettings(t *testing.T) {
	tests := []struct {
		name     string
		id       string // "acme" means acme's id
		set      []store.TenantSetting
		wantKind string
		want     []store.TenantSetting
	}{
		{name: "sorted by param", id: "acme",
			set:  []store.TenantSetting{{Param: "record", Value: "false", Override: true}, {Param: "meta_server-tag", Value: "gpu"}},
			want: []store.TenantSetting{{Param: "meta_server-tag", Value: "gpu"}, {Param: "record", Value: "false", Override: true}}},
		{name: "empty clears", id: "acme", set: []store.TenantSetting{}, want: []store.TenantSetting{}},
		{name: "empty value", id: "acme", set: []store.TenantSetting{{Param: "welcome", Value: ""}},
			want: []store.TenantSetting{{Param: "welcome", Value: ""}}},
		{name: "checksum", id: "acme", set: []store.TenantSetting{{Param: "checksum", Value: "x"}}, wantKind: "invalid"},
		{name: "checksum any case", id: "acme", set: []store.TenantSetting{{Param: "CheckSum", Value: "x"}}, wantKind: "invalid"},
		{name: "bad name", id: "acme", set: []store.TenantSetting{{Param: "a b", Value: "x"}}, wantKind: "invalid"},
		{name: "empty name", id: "acme", set: []store.TenantSetting{{Param: "", Value: "x"}}, wantKind: "invalid"},
		{name: "twice", id: "acme", set: []store.TenantSetting{{Param: "record", Value: "x"}, {Param: "record", Value: "y", Override: true}}, wantKind: "invalid"},
		{name: "unknown tenant", id: "nope", set: []store.TenantSetting{{Param: "record", Value: "x"}}, wantKind: "notfound"},
	}
	initial := []store.TenantSetting{{Param: "duration", Value: "60"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{})
			acme, err := e.pool.AddTenant(t.Context(), "acme", []string{"a1"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.pool.SetTenantSettings(t.Context(), acme.ID, initial); err != nil {
				t.Fatal(err)
			}
			id := tt.id
			if id == "acme" {
				id = acme.ID
			}
			got, err := e.pool.SetTenantSettings(t.Context(), id, tt.set)
			if kind := errKind(err); kind != tt.wantKind {
				t.Fatalf("error kind %q (%v), want %q", kind, err, tt.wantKind)
			}
			stored, _ := e.pool.TenantSettings(t.Context(), acme.ID)
			if err != nil {
				if !reflect.DeepEqual(stored, initial) {
					t.Errorf("refused replace changed the settings: %+v", stored)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(stored, tt.want) {
				t.Errorf("got %+v, stored %+v; want %+v", got, stored, tt.want)
			}
		})
	}

	e := newEnv(t, Config{})
	acme, err := e.pool.AddTenant(t.Context(), "acme", []string{"a1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.SetTenantSettings(t.Context(), acme.ID, initial); err != nil {
		t.Fatal(err)
	}
	if err := e.pool.DeleteTenantSettings(t.Context(), acme.ID); err != nil {
		t.Fatal(err)
	}
	if s, err := e.pool.TenantSettings(t.Context(), acme.ID); err != nil || len(s) != 0 {
		t.Errorf("settings after delete: %v, %v", s, err)
	}
	if _, err := e.pool.TenantSettings(t.Context(), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("settings of an unknown tenant: %v, want not found", err)
	}
	if err := e.pool.DeleteTenantSettings(t.Context(), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete settings of an unknown tenant: %v, want not found", err)
	}
}

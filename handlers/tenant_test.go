package handlers

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/store"
)

const baseDomain = "lb.example.org"

// newTenantEnv is a multitenant load balancer with tenants t1 and t2 (each
// with secret "secret-of-<name>") and three servers.
func newTenantEnv(t *testing.T) *env {
	e := newEnv(t, func(s *module.Settings) { s.Multitenancy = baseDomain })
	for _, name := range []string{"t1", "t2"} {
		if err := e.live.AddTenant(ctx(t), store.Tenant{ID: "id-" + name, Name: name, Secrets: []string{"secret-of-" + name}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"a", "b", "c"} {
		e.addServer(id, nil)
	}
	return e
}

func host(tenant string) string { return tenant + "." + baseDomain }

func (e *env) tenantGet(tenant, call, query string) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.do(request{call: call, host: host(tenant), query: sign(call, query, "secret-of-"+tenant)})
}

func TestTenantResolution(t *testing.T) {
	e := newTenantEnv(t)
	tests := []struct {
		name, host, secret string
		ok                 bool
	}{
		{"tenant with its secret", host("t1"), "secret-of-t1", true},
		{"tenant host with a port", host("t1") + ":443", "secret-of-t1", true},
		{"tenant host in upper case", "T1.LB.Example.org", "secret-of-t1", true},
		{"another tenant's secret", host("t1"), "secret-of-t2", false},
		{"the load balancer's secret", host("t1"), lbSecret, false},
		{"unknown tenant", host("t3"), "secret-of-t3", false},
		{"the bare base domain", baseDomain, lbSecret, false},
		{"two labels in front", "x.t1." + baseDomain, "secret-of-t1", false},
		{"another domain", "t1.example.com", "secret-of-t1", false},
	}
	for _, tt := range tests {
		rec := e.do(request{call: "getMeetings", host: tt.host, query: sign("getMeetings", "", tt.secret)})
		if tt.ok {
			wantSuccess(t, rec)
			continue
		}
		wantError(t, rec, bbb.KeyChecksumError, "")
	}
}

// TestTenantIsolation: a tenant can never see, join, end or query another
// tenant's meeting, and both may run a meeting of the same id.
func TestTenantIsolation(t *testing.T) {
	e := newTenantEnv(t)
	e.create("meetingID=room1&name=Room", host("t1"))
	m1, err := e.live.Meeting(ctx(t), "id-t1", "room1")
	if err != nil {
		t.Fatal(err)
	}
	q, _ := lastQuery(t, e.sims[m1.ServerID], "create")
	if q.Get("meta_tenant-id") != "id-t1" || q.Get("meta_tenant-name") != "t1" {
		t.Errorf("tenant metadata forwarded: %v", q)
	}
	if err := e.sims[m1.ServerID].SetUsers("room1", 1, 1, 0); err != nil {
		t.Fatal(err)
	}

	// t2 sees nothing of t1's room1.
	as := func(call, query string) *httptest.ResponseRecorder { return e.tenantGet("t2", call, query) }
	wantError(t, as("join", "meetingID=room1&fullName=Eve"), bbb.KeyNotFound, "")
	wantError(t, as("getMeetingInfo", "meetingID=room1"), bbb.KeyNotFound, "")
	wantError(t, as("end", "meetingID=room1"), bbb.KeyNotFound, "")
	wantError(t, as("sendChatMessage", "meetingID=room1&message=hi"), bbb.KeyNotFound, "")
	if d := wantSuccess(t, as("isMeetingRunning", "meetingID=room1")); d.Running {
		t.Error("t2 sees t1's room1 running")
	}
	if d := wantSuccess(t, as("getMeetings", "")); len(d.Meetings) != 0 {
		t.Errorf("t2 lists %+v", d.Meetings)
	}
	ins := e.do(request{method: http.MethodPost, call: "insertDocument", host: host("t2"),
		query: sign("insertDocument", "meetingID=room1", "secret-of-t2"), body: "<modules/>", contentType: "application/xml"})
	wantError(t, ins, bbb.KeyNotFound, "")
	if _, err := e.live.Meeting(ctx(t), "id-t1", "room1"); err != nil {
		t.Fatalf("t2's end removed t1's binding: %v", err)
	}

	// t1 sees its own.
	if d := wantSuccess(t, e.tenantGet("t1", "getMeetings", "")); len(d.Meetings) != 1 || d.Meetings[0].TenantID != "id-t1" {
		t.Errorf("t1 lists %+v", d.Meetings)
	}
	if d := wantSuccess(t, e.tenantGet("t1", "isMeetingRunning", "meetingID=room1")); !d.Running {
		t.Error("t1's room1 not running for t1")
	}

	// t2's own room1 goes to another server.
	e.create("meetingID=room1&name=Room", host("t2"))
	m2, err := e.live.Meeting(ctx(t), "id-t2", "room1")
	if err != nil {
		t.Fatal(err)
	}
	if m2.ServerID == m1.ServerID {
		t.Fatalf("both tenants' room1 on %s", m1.ServerID)
	}
	if m2.VoiceBridge == m1.VoiceBridge {
		t.Errorf("both tenants' room1 have voice bridge %s", m1.VoiceBridge)
	}
	// Each tenant's getMeetings lists only its own room1.
	for _, tenant := range []string{"t1", "t2"} {
		d := wantSuccess(t, e.tenantGet(tenant, "getMeetings", ""))
		if len(d.Meetings) != 1 || d.Meetings[0].TenantID != "id-"+tenant {
			t.Errorf("%s lists %+v", tenant, d.Meetings)
		}
	}
	// t2 ends its room1; t1's stays.
	wantSuccess(t, as("end", "meetingID=room1"))
	if _, ok := e.sims[m1.ServerID].Meeting("room1"); !ok {
		t.Error("t1's room1 ended by t2's end")
	}
}

func TestTenantSettings(t *testing.T) {
	e := newTenantEnv(t)
	e.updateServer("c", func(s *store.Server) { s.Tag = "gpu" })
	settings := []store.TenantSetting{
		{Param: "record", Value: "true"},
		{Param: "welcome", Value: "Tenant welcome", Override: true},
		{Param: "meta_server-tag", Value: "gpu!", Override: true},
		{Param: "userdata-bbb_auto_join_audio", Value: "false", Override: true},
	}
	if err := e.live.SetTenantSettings(ctx(t), "id-t1", settings); err != nil {
		t.Fatal(err)
	}
	e.create("meetingID=room1&name=Room&welcome=Mine&meta_server-tag=", host("t1"))
	q, _ := lastQuery(t, e.sims["c"], "create")
	if q.Get("record") != "true" || q.Get("welcome") != "Tenant welcome" || q.Get("meta_server-tag") != "gpu" {
		t.Errorf("forwarded %v", q)
	}
	rec := e.do(request{call: "join", host: host("t1"), query: sign("join", "meetingID=room1&fullName=A", "secret-of-t1")})
	if rec.Code != http.StatusFound {
		t.Fatalf("join: %d %s", rec.Code, rec.Body)
	}
	if loc := rec.Header().Get("Location"); !contains(loc, "userdata-bbb_auto_join_audio=false") {
		t.Errorf("tenant override not applied to join: %s", loc)
	}
	// t2 has no settings: the untagged pool, no record default.
	e.create("meetingID=room2&name=Room", host("t2"))
	m, _ := e.live.Meeting(ctx(t), "id-t2", "room2")
	if m.ServerID == "c" {
		t.Error("t2's meeting on the tagged server")
	}
	if q, _ := lastQuery(t, e.sims[m.ServerID], "create"); q.Has("record") {
		t.Errorf("t1's setting applied to t2: %v", q)
	}
}

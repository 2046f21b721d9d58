package handlers

import (
	"maps"
	"strings"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// updated asserts a successful updateRecordings and returns its flag.
func updated(t *testing.T, body string) bool {
	t.Helper()
	switch body {
	case `<response><returncode>SUCCESS</returncode><updated>true</updated></response>`:
		return true
	case `<response><returncode>SUCCESS</returncode><updated>false</updated></response>`:
		return false
	}
	t.Fatalf("answer %s", body)
	return false
}

func TestUpdateRecordings(t *testing.T) {
	e := newRecEnv(t, nil)
	for _, id := range []string{"r1", "r2", "r3"} {
		e.addRecording(store.Recording{RecordID: id, Published: true, StartTime: t0, Metadata: map[string]string{"keep": "k", "gone": "g"}})
	}
	e.addRecording(store.Recording{RecordID: "r-deleted", State: "deleted", StartTime: t0})
	tests := []struct {
		name        string
		query       string
		wantUpdated bool
		want        map[string]map[string]string // recordID → metadata after
	}{
		{"add, replace and delete, keys lower-cased", "recordID=r1,r2&meta_Added=new+value&meta_keep=changed&meta_gone=", true, map[string]map[string]string{
			"r1": {"added": "new value", "keep": "changed"},
			"r2": {"added": "new value", "keep": "changed"},
			"r3": {"keep": "k", "gone": "g"},
		}},
		{"blank value deletes", "recordID=r1&meta_added=+", true, map[string]map[string]string{
			"r1": {"keep": "changed"},
		}},
		{"an unknown id: nothing changes", "recordID=r3,nope&meta_x=y", false, map[string]map[string]string{
			"r3": {"keep": "k", "gone": "g"},
		}},
		{"nothing to do", "recordID=r3", false, nil},
		{"a key that cannot be an element is ignored", "recordID=r3&meta_a+b=1&meta_1x=2", false, map[string]map[string]string{
			"r3": {"keep": "k", "gone": "g"},
		}},
		{"any state", "recordID=r-deleted&meta_x=y", true, map[string]map[string]string{
			"r-deleted": {"x": "y"},
		}},
		{"repeated id", "recordID=r3,r3&meta_x=y", true, map[string]map[string]string{
			"r3": {"keep": "k", "gone": "g", "x": "y"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := updated(t, e.call("", "updateRecordings", tt.query).Body.String()); got != tt.wantUpdated {
				t.Errorf("updated = %v, want %v", got, tt.wantUpdated)
			}
			for id, want := range tt.want {
				if got := e.recording(id).Metadata; !maps.Equal(got, want) {
					t.Errorf("%s metadata %v, want %v", id, got, want)
				}
			}
		})
	}
	wantError(t, e.call("", "updateRecordings", "meta_x=y"), bbb.KeyMissingParamRecordID, "You must specify a recordID.")
}

func TestUpdateRecordingsProtect(t *testing.T) {
	e := newRecEnv(t, func(s *module.Settings) { s.Recordings.Protected = true })
	for _, id := range []string{"r1", "r2", "r3"} {
		e.addRecording(store.Recording{RecordID: id, Published: true, StartTime: t0, Formats: []store.PlaybackFormat{format("presentation")}})
	}
	protected := func() string {
		var b strings.Builder
		for _, id := range []string{"r1", "r2", "r3"} {
			r := e.recording(id)
			if r.Protected {
				b.WriteString(id)
			}
		}
		return b.String()
	}
	steps := []struct {
		query       string
		wantUpdated bool
		want        string
	}{
		{"recordID=r1,r2,r3&protect=true", true, "r1r2r3"}, // every listed one, not only the first
		{"recordID=r2,r3&protect=FALSE", true, "r1"},
		{"recordID=r2&protect=maybe", false, "r1"},
		{"recordID=r1,nope&protect=false", false, "r1"},
	}
	for _, s := range steps {
		if got := updated(t, e.call("", "updateRecordings", s.query).Body.String()); got != s.wantUpdated {
			t.Errorf("%s: updated = %v", s.query, got)
		}
		if got := protected(); got != s.want {
			t.Errorf("%s: protected %q, want %q", s.query, got, s.want)
		}
	}
	if r := e.recording("r1"); !r.ProtectUpdated {
		t.Error("protect did not mark the recording so a re-import keeps it")
	}
	// getRecordings follows: r1 gets a token URL, r2 its player URL.
	d := e.getRecordings("lb", "recordID=r1,r2")
	for _, r := range d.Recordings.Recordings {
		u := r.Playback.Formats[0].URL
		if wantToken := r.RecordID == "r1"; strings.Contains(u, "?token=") != wantToken || r.Protected == nil || *r.Protected != wantToken {
			t.Errorf("%s: URL %s, protected %v", r.RecordID, u, r.Protected)
		}
	}
}

func TestUpdateRecordingsTenants(t *testing.T) {
	e := newRecEnv(t, multitenant)
	e.addTenants()
	e.addRecording(store.Recording{RecordID: "a-1", Published: true, StartTime: t0, Metadata: map[string]string{"tenant-id": "t-alpha"}})
	e.addRecording(store.Recording{RecordID: "b-1", Published: true, StartTime: t0, Metadata: map[string]string{"tenant-id": "t-beta"}})
	tests := []struct {
		host, query string
		wantUpdated bool
	}{
		{betaHost, "recordID=a-1&meta_x=y", false},
		{betaHost, "recordID=a-1,b-1&meta_x=y", false},
		{betaHost, "recordID=a-1&protect=true", false},
		{alphaHost, "recordID=a-1&meta_tenant-id=t-beta", false}, // a tenant cannot give a recording away
		{alphaHost, "recordID=a-1&meta_tenant-id=&meta_x=mine", true},
	}
	for _, tt := range tests {
		if got := updated(t, e.call(tt.host, "updateRecordings", tt.query).Body.String()); got != tt.wantUpdated {
			t.Errorf("%s ?%s: updated = %v", tt.host, tt.query, got)
		}
	}
	if got, want := e.recording("a-1").Metadata, map[string]string{"tenant-id": "t-alpha", "x": "mine"}; !maps.Equal(got, want) || e.recording("a-1").Protected {
		t.Errorf("a-1: %+v", e.recording("a-1"))
	}
	if got := e.recording("b-1").Metadata; !maps.Equal(got, map[string]string{"tenant-id": "t-beta"}) {
		t.Errorf("b-1 metadata %v", got)
	}
}

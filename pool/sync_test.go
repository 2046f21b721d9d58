package pool

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/caddy-bbb/caddy-bbb/store"
)

func TestParseSync(t *testing.T) {
	def := func(id string) SyncServer {
		return SyncServer{URL: "https://" + id + "/bigbluebutton/api", Secret: "s", Enabled: true, LoadMultiplier: 1}
	}
	tests := []struct {
		name    string
		json    bool
		doc     string
		want    map[string]SyncServer
		wantErr string // part of the message of an invalid document
	}{
		{name: "defaults", doc: "servers:\n  bbb1.example.com:\n    secret: s\n",
			want: map[string]SyncServer{"bbb1.example.com": def("bbb1.example.com")}},
		{name: "every field", doc: `servers:
  a:
    url: http://10.0.0.1/bigbluebutton/api
    secret: "0042"
    enabled: false
    load_multiplier: 2.5
    tag: gpu
`, want: map[string]SyncServer{"a": {URL: "http://10.0.0.1/bigbluebutton/api", Secret: "0042", LoadMultiplier: 2.5, Tag: "gpu"}}},
		{name: "digits secret kept as written", doc: "servers:\n  a:\n    secret: 0042\n",
			want: map[string]SyncServer{"a": {URL: "https://a/bigbluebutton/api", Secret: "0042", Enabled: true, LoadMultiplier: 1}}},
		{name: "verbose export keys ignored", doc: "servers:\n  a:\n    secret: s\n    load: -1.0\n    state: cordoned\n    bbb_version: 3.0.9\n    online: true\n",
			want: map[string]SyncServer{"a": def("a")}},
		{name: "null tag and url", doc: "servers:\n  a:\n    secret: s\n    tag: null\n    url: ~\n", want: map[string]SyncServer{"a": def("a")}},
		{name: "quoted multiplier", doc: "servers:\n  a:\n    secret: s\n    load_multiplier: \"3\"\n",
			want: map[string]SyncServer{"a": {URL: "https://a/bigbluebutton/api", Secret: "s", Enabled: true, LoadMultiplier: 3}}},
		{name: "no servers", doc: "servers: {}\n", want: map[string]SyncServer{}},
		{name: "null servers", doc: "servers:\n", want: map[string]SyncServer{}},
		{name: "json", json: true, doc: `{"servers": {"a": {"secret": "s", "enabled": true, "load_multiplier": 1, "tag": ""}, "b": {"secret": "s"}}}`,
			want: map[string]SyncServer{"a": def("a"), "b": def("b")}},
		{name: "empty", doc: "", wantErr: "want a mapping"},
		{name: "list of servers", doc: "servers:\n  - url: https://a/\n    secret: s\n", wantErr: "servers must be a mapping"},
		{name: "unknown top key", doc: "servers: {}\nextra: 1\n", wantErr: `unknown key "extra"`},
		{name: "no servers key", doc: "server: {}\n", wantErr: `unknown key "server"`},
		{name: "unknown server key", doc: "servers:\n  a:\n    secret: s\n    secrett: x\n", wantErr: `server "a": unknown key "secrett"`},
		{name: "bad id", doc: "servers:\n  a/b:\n    secret: s\n", wantErr: "invalid server id"},
		{name: "no secret", doc: "servers:\n  a:\n    url: https://a/bigbluebutton/api\n", wantErr: `server "a" needs a secret`},
		{name: "server not a mapping", doc: "servers:\n  a: s\n", wantErr: `server "a": want a mapping`},
		{name: "bad url", doc: "servers:\n  a:\n    secret: s\n    url: ftp://a/\n", wantErr: "scheme must be http or https"},
		{name: "zero multiplier", doc: "servers:\n  a:\n    secret: s\n    load_multiplier: 0\n", wantErr: "greater than 0"},
		{name: "word multiplier", doc: "servers:\n  a:\n    secret: s\n    load_multiplier: high\n", wantErr: "want a number"},
		{name: "bad enabled", doc: "servers:\n  a:\n    secret: s\n    enabled: maybe\n", wantErr: "enabled"},
		{name: "bad tag", doc: "servers:\n  a:\n    secret: s\n    tag: a;b\n", wantErr: "invalid tag"},
		{name: "secret list", doc: "servers:\n  a:\n    secret: [s]\n", wantErr: "want a string"},
		{name: "duplicate server", doc: "servers:\n  a:\n    secret: s\n  a:\n    secret: t\n", wantErr: "given twice"},
		{name: "not yaml", doc: "servers: [\n", wantErr: "servers document"},
		{name: "not json", json: true, doc: "servers: {}\n", wantErr: "not valid JSON"},
		{name: "json duplicate key", json: true, doc: `{"servers": {}, "servers": {}}`, wantErr: "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parse := ParseSyncYAML
			if tt.json {
				parse = ParseSyncJSON
			}
			doc, err := parse([]byte(tt.doc))
			if tt.wantErr != "" {
				if !IsInvalid(err) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want an invalid error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(doc.Servers, tt.want) {
				t.Errorf("got %+v\nwant %+v", doc.Servers, tt.want)
			}
		})
	}
}

func TestParseSyncMode(t *testing.T) {
	for in, want := range map[string]SyncMode{"": SyncCordon, "keep": SyncKeep, "cordon": SyncCordon, "force": SyncForce} {
		if got, err := ParseSyncMode(in); err != nil || got != want {
			t.Errorf("ParseSyncMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"Force", "delete", " keep"} {
		if _, err := ParseSyncMode(in); !IsInvalid(err) {
			t.Errorf("ParseSyncMode(%q) error %v, want invalid", in, err)
		}
	}
}

// syncDoc is the document the sync tests apply to the pool syncPool builds.
const syncDoc = `servers:
  keep1:
    url: https://keep1.example.com/bigbluebutton/api
    secret: secret-keep1
  upd:
    url: https://upd.example.com/bigbluebutton/api
    secret: changed
  cord:
    url: https://cord.example.com/bigbluebutton/api
    secret: secret-cord
    enabled: false
  reen:
    url: https://reen.example.com/bigbluebutton/api
    secret: secret-reen
  stay-off:
    url: https://stay-off.example.com/bigbluebutton/api
    secret: secret-stay-off
    enabled: false
  new-on:
    secret: n1
    tag: gpu
  new-off:
    secret: n2
    enabled: false
    load_multiplier: 2
`

// syncPool builds a pool the sync tests start from: servers in every state,
// listed in syncDoc or not, the unlisted gone-busy running two meetings on
// the simulator it returns.
func syncPool(t *testing.T) (*env, func() []string) {
	t.Helper()
	e := newEnv(t, Config{})
	sim := newSim(t)
	e.putServer(t, "keep1", store.StateEnabled, nil)
	e.putServer(t, "upd", store.StateEnabled, nil)
	e.putServer(t, "cord", store.StateEnabled, nil)
	e.putServer(t, "reen", store.StateCordoned, nil)
	e.putServer(t, "stay-off", store.StateDisabled, nil)
	e.putServer(t, "gone-empty", store.StateEnabled, nil)
	e.putServer(t, "gone-busy", store.StateEnabled, sim)
	e.runMeeting(t, "", "busy1", "gone-busy", sim)
	e.runMeeting(t, "", "busy2", "gone-busy", sim)
	return e, func() []string { return endedOn(sim) }
}

func TestSync(t *testing.T) {
	base := SyncReport{
		Added:    []string{"new-off", "new-on"},
		Updated:  []string{"upd"},
		Enabled:  []string{"new-on", "reen"},
		Cordoned: []string{"cord"},
		Removed:  []string{},
	}
	with := func(mode SyncMode, cordoned, removed []string, ended int) SyncReport {
		r := base
		r.Mode = mode
		r.Cordoned = append(slices.Clone(r.Cordoned), cordoned...)
		r.Removed = append(slices.Clone(r.Removed), removed...)
		r.MeetingsEnded = ended
		return r
	}
	listedStates := map[string]store.ServerState{
		"keep1": store.StateEnabled, "upd": store.StateEnabled, "cord": store.StateCordoned, "reen": store.StateEnabled,
		"stay-off": store.StateDisabled, "new-on": store.StateEnabled, "new-off": store.StateDisabled,
	}
	tests := []struct {
		name       string
		mode       SyncMode
		want       SyncReport
		wantStates map[string]store.ServerState // the whole pool afterwards
		wantEnded  []string
	}{
		{name: "keep", mode: SyncKeep, want: with(SyncKeep, nil, nil, 0),
			wantStates: merge(listedStates, map[string]store.ServerState{"gone-empty": store.StateEnabled, "gone-busy": store.StateEnabled})},
		{name: "cordon", mode: SyncCordon, want: with(SyncCordon, []string{"gone-busy"}, []string{"gone-empty"}, 0),
			wantStates: merge(listedStates, map[string]store.ServerState{"gone-busy": store.StateCordoned})},
		{name: "force", mode: SyncForce, want: with(SyncForce, nil, []string{"gone-busy", "gone-empty"}, 2),
			wantStates: listedStates, wantEnded: []string{"busy1", "busy2"}},
	}
	for _, tt := range tests {
		doc, err := ParseSyncYAML([]byte(syncDoc))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(tt.name+" dry run", func(t *testing.T) {
			e, ended := syncPool(t)
			before, _ := e.live.Servers(t.Context())
			got, err := e.pool.Sync(t.Context(), doc, tt.mode, true)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.DryRun = true
			if !reflect.DeepEqual(got, want) {
				t.Errorf("report\n%+v\nwant\n%+v", got, want)
			}
			after, _ := e.live.Servers(t.Context())
			if !reflect.DeepEqual(after, before) {
				t.Errorf("dry run changed the pool:\n%+v\nwas\n%+v", after, before)
			}
			if len(ended()) != 0 || len(e.bindings(t, "gone-busy")) != 2 {
				t.Errorf("dry run ended meetings: end calls %v, bindings %v", ended(), e.bindings(t, "gone-busy"))
			}
		})
		t.Run(tt.name, func(t *testing.T) {
			e, ended := syncPool(t)
			got, err := e.pool.Sync(t.Context(), doc, tt.mode, false)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("report\n%+v\nwant\n%+v", got, tt.want)
			}
			servers, _ := e.live.Servers(t.Context())
			states := map[string]store.ServerState{}
			for _, s := range servers {
				states[s.ID] = s.State
				if w, ok := doc.Servers[s.ID]; ok && (s.URL != w.URL || s.Secret != w.Secret || s.LoadMultiplier != w.LoadMultiplier || s.Tag != w.Tag) {
					t.Errorf("server %s is %+v, want the document's %+v", s.ID, s, w)
				}
			}
			if !maps.Equal(states, tt.wantStates) {
				t.Errorf("states %v, want %v", states, tt.wantStates)
			}
			if !slices.Equal(ended(), tt.wantEnded) {
				t.Errorf("end sent for %v, want %v", ended(), tt.wantEnded)
			}
			again, err := e.pool.Sync(t.Context(), doc, tt.mode, false)
			if err != nil || !again.Empty() {
				t.Errorf("a second sync of the same document: %+v, %v; want nothing to do", again, err)
			}
		})
	}
}

func TestExportSyncRoundTrip(t *testing.T) {
	for _, mode := range []SyncMode{SyncKeep, SyncCordon, SyncForce} {
		for _, format := range []string{"yaml", "json"} {
			t.Run(string(mode)+" "+format, func(t *testing.T) {
				e, ended := syncPool(t)
				if _, err := e.pool.UpdateServer(t.Context(), "upd", ServerUpdate{Tag: ptr("gpu"), LoadMultiplier: ptr(1.7)}); err != nil {
					t.Fatal(err)
				}
				before, _ := e.live.Servers(t.Context())
				exported, err := e.pool.Export(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				var doc SyncDocument
				if format == "yaml" {
					data, err := yaml.Marshal(exported)
					if err != nil {
						t.Fatal(err)
					}
					doc, err = ParseSyncYAML(data)
					if err != nil {
						t.Fatalf("parse export: %v\n%s", err, data)
					}
				} else {
					data, err := json.Marshal(exported)
					if err != nil {
						t.Fatal(err)
					}
					doc, err = ParseSyncJSON(data)
					if err != nil {
						t.Fatalf("parse export: %v\n%s", err, data)
					}
				}
				if !reflect.DeepEqual(doc, exported) {
					t.Errorf("parsed export differs:\n%+v\nwant\n%+v", doc, exported)
				}
				report, err := e.pool.Sync(t.Context(), doc, mode, false)
				if err != nil {
					t.Fatal(err)
				}
				if !report.Empty() || report.MeetingsEnded != 0 {
					t.Errorf("export then sync did something: %+v", report)
				}
				after, _ := e.live.Servers(t.Context())
				if !reflect.DeepEqual(after, before) || len(ended()) != 0 {
					t.Errorf("export then sync changed the pool:\n%+v\nwas\n%+v", after, before)
				}
			})
		}
	}
}

func TestExportEmptyPool(t *testing.T) {
	e := newEnv(t, Config{})
	doc, err := e.pool.Export(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	data, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "servers: {}\n" {
		t.Errorf("export of an empty pool:\n%s", data)
	}
}

func merge[K comparable, V any](a, b map[K]V) map[K]V {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}

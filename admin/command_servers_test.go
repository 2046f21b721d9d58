package admin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// requestCase runs the CLI against a fake admin and checks the requests it
// sent, what it printed and its exit status.
type requestCase struct {
	name       string
	args       []string
	opts       runOptions
	replies    map[string]cannedReply
	want       []recordedRequest // Body compared as JSON when ContentType is JSON
	wantStdout string
	wantCode   int
}

func (tt requestCase) run(t *testing.T) {
	t.Helper()
	admin := newFakeAdmin(t, tt.replies)
	res := runCLI(t, admin.addr, tt.opts, tt.args...)
	if res.code != tt.wantCode {
		t.Errorf("exit %d, want %d (stderr %q)", res.code, tt.wantCode, res.stderr)
	}
	if res.stdout != tt.wantStdout {
		t.Errorf("stdout:\n%s\nwant:\n%s", res.stdout, tt.wantStdout)
	}
	got := admin.recorded()
	if len(got) != len(tt.want) {
		t.Fatalf("requests:\n%+v\nwant:\n%+v", got, tt.want)
	}
	for i := range got {
		g, w := got[i], tt.want[i]
		if g.Method != w.Method || g.Path != w.Path || g.Query != w.Query || g.ContentType != w.ContentType {
			t.Errorf("request %d: %s %s?%s (%s), want %s %s?%s (%s)", i,
				g.Method, g.Path, g.Query, g.ContentType, w.Method, w.Path, w.Query, w.ContentType)
		}
		if !sameBody(t, g, w) {
			t.Errorf("request %d body %s, want %s", i, g.Body, w.Body)
		}
	}
}

// sameBody compares JSON bodies by value and others byte for byte.
func sameBody(t *testing.T, got, want recordedRequest) bool {
	t.Helper()
	if want.ContentType != "application/json" {
		return got.Body == want.Body
	}
	var g, w any
	if err := json.Unmarshal([]byte(got.Body), &g); err != nil {
		t.Errorf("request body %q is not JSON: %v", got.Body, err)
		return false
	}
	if err := json.Unmarshal([]byte(want.Body), &w); err != nil {
		t.Fatalf("bad want body %q: %v", want.Body, err)
	}
	return reflect.DeepEqual(g, w)
}

const (
	cliJSONType = "application/json"
	cliYAMLType = "application/yaml"

	cliServerJSON = `{"id":"bbb1","url":"https://bbb1.example.com/bigbluebutton/api","secret":"s3cret","tag":"",` +
		`"state":"enabled","online":true,"load":2.5,"load_multiplier":1,"meetings":2,"users":7,` +
		`"largest_meeting":5,"videos":1,"bbb_version":"3.0.4"}`
	cliOfflineServerJSON = `{"id":"bbb2","url":"https://bbb2.example.com/bigbluebutton/api","secret":"s3cret","tag":"big",` +
		`"state":"disabled","online":false,"load":null,"load_multiplier":1.5,"meetings":0,"users":0,` +
		`"largest_meeting":0,"videos":0,"bbb_version":""}`
	cliTwoMeetings = `[{"id":"m1","server_id":"bbb1"},{"id":"m2","server_id":"bbb1"}]`
)

func TestServersCommands(t *testing.T) {
	dir := t.TempDir()
	yamlDoc := "servers:\n  bbb1:\n    secret: s3cret\n"
	jsonDoc := `  {"servers": {"bbb1": {"secret": "s3cret"}}}`
	yamlFile := filepath.Join(dir, "servers.yml")
	jsonFile := filepath.Join(dir, "servers.json")
	for name, content := range map[string]string{yamlFile: yamlDoc, jsonFile: jsonDoc} {
		if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	syncReport := `{"mode":"keep","dry_run":true,"added":["bbb1"],"updated":[],"enabled":["bbb1"],` +
		`"cordoned":[],"removed":[],"meetings_ended":0}`

	tests := []requestCase{
		{
			name:    "servers alone lists",
			args:    []string{"servers"},
			replies: map[string]cannedReply{"GET /bbb/servers": {200, "[" + cliServerJSON + "," + cliOfflineServerJSON + "]"}},
			want:    []recordedRequest{{Method: "GET", Path: "/bbb/servers"}},
			wantStdout: "" +
				"ID    URL                                         STATE     STATUS   LOAD         MULTIPLIER  MEETINGS  USERS  BBB VERSION  TAG\n" +
				"bbb1  https://bbb1.example.com/bigbluebutton/api  enabled   online   2.5          1           2         7      3.0.4        -\n" +
				"bbb2  https://bbb2.example.com/bigbluebutton/api  disabled  offline  unavailable  1.5         0         0      -            big\n",
		},
		{
			name:       "list json as is",
			args:       []string{"servers", "list", "--json"},
			replies:    map[string]cannedReply{"GET /bbb/servers": {200, "[" + cliServerJSON + "]"}},
			want:       []recordedRequest{{Method: "GET", Path: "/bbb/servers"}},
			wantStdout: "[" + cliServerJSON + "]\n",
		},
		{
			name:       "add with the required flags",
			args:       []string{"servers", "add", "--url", "https://bbb1.example.com/bigbluebutton/api", "--secret", "s3cret"},
			replies:    map[string]cannedReply{"POST /bbb/servers": {201, cliServerJSON}},
			want:       []recordedRequest{{Method: "POST", Path: "/bbb/servers", ContentType: cliJSONType, Body: `{"url":"https://bbb1.example.com/bigbluebutton/api","secret":"s3cret"}`}},
			wantStdout: "OK\nid: bbb1\n",
		},
		{
			name: "add with every flag",
			args: []string{"servers", "add", "--url", "https://x/bigbluebutton/api", "--secret", "s", "--load-multiplier", "2.5",
				"--tag", "big", "--id", "bbb1"},
			replies: map[string]cannedReply{"POST /bbb/servers": {201, cliServerJSON}},
			want: []recordedRequest{{Method: "POST", Path: "/bbb/servers", ContentType: cliJSONType,
				Body: `{"url":"https://x/bigbluebutton/api","secret":"s","load_multiplier":2.5,"tag":"big","id":"bbb1"}`}},
			wantStdout: "OK\nid: bbb1\n",
		},
		{
			name:       "update sends only what is given",
			args:       []string{"servers", "update", "bbb1", "--secret", "new", "--load-multiplier", "3"},
			replies:    map[string]cannedReply{"PATCH /bbb/servers/bbb1": {200, cliServerJSON}},
			want:       []recordedRequest{{Method: "PATCH", Path: "/bbb/servers/bbb1", ContentType: cliJSONType, Body: `{"secret":"new","load_multiplier":3}`}},
			wantStdout: "OK: server bbb1 updated (state enabled)\n",
		},
		{
			name:       "update with an empty tag clears it",
			args:       []string{"servers", "update", "bbb1", "--tag", ""},
			replies:    map[string]cannedReply{"PATCH /bbb/servers/bbb1": {200, cliServerJSON}},
			want:       []recordedRequest{{Method: "PATCH", Path: "/bbb/servers/bbb1", ContentType: cliJSONType, Body: `{"tag":""}`}},
			wantStdout: "OK: server bbb1 updated (state enabled)\n",
		},
		{
			name:       "enable escapes the id",
			args:       []string{"servers", "enable", "a/b c"},
			replies:    map[string]cannedReply{"POST /bbb/servers/a%2Fb%20c/enable": {200, cliServerJSON}},
			want:       []recordedRequest{{Method: "POST", Path: "/bbb/servers/a%2Fb%20c/enable"}},
			wantStdout: "OK: server bbb1 enabled (state enabled)\n",
		},
		{
			name:       "cordon",
			args:       []string{"servers", "cordon", "bbb1"},
			replies:    map[string]cannedReply{"POST /bbb/servers/bbb1/cordon": {200, strings.Replace(cliServerJSON, `"enabled"`, `"cordoned"`, 1)}},
			want:       []recordedRequest{{Method: "POST", Path: "/bbb/servers/bbb1/cordon"}},
			wantStdout: "OK: server bbb1 cordoned (state cordoned)\n",
		},
		{
			name:       "remove without force",
			args:       []string{"servers", "remove", "bbb1"},
			replies:    map[string]cannedReply{"DELETE /bbb/servers/bbb1": {200, `{"removed":"bbb1","meetings_ended":0}`}},
			want:       []recordedRequest{{Method: "DELETE", Path: "/bbb/servers/bbb1"}},
			wantStdout: "OK: server bbb1 removed\n",
		},
		{
			name: "remove with force and yes",
			args: []string{"servers", "remove", "bbb1", "--force", "--yes"},
			replies: map[string]cannedReply{
				"GET /bbb/meetings":        {200, cliTwoMeetings},
				"DELETE /bbb/servers/bbb1": {200, `{"removed":"bbb1","meetings_ended":2}`},
			},
			want: []recordedRequest{
				{Method: "GET", Path: "/bbb/meetings", Query: "server=bbb1"},
				{Method: "DELETE", Path: "/bbb/servers/bbb1", Query: "force=true"},
			},
			wantStdout: "OK: server bbb1 removed, 2 meeting(s) ended\n",
		},
		{
			name:       "panic keeping the state",
			args:       []string{"servers", "panic", "bbb1", "--keep-state", "--yes"},
			replies:    map[string]cannedReply{"POST /bbb/servers/bbb1/panic": {200, cliServerJSON}},
			want:       []recordedRequest{{Method: "POST", Path: "/bbb/servers/bbb1/panic", ContentType: cliJSONType, Body: `{"keep_state":true}`}},
			wantStdout: "OK: server bbb1 panicked (state enabled)\n",
		},
		{
			name:    "sync yaml dry run",
			args:    []string{"servers", "sync", yamlFile, "--mode", "keep", "--dry-run"},
			replies: map[string]cannedReply{"PUT /bbb/servers": {200, syncReport}},
			want:    []recordedRequest{{Method: "PUT", Path: "/bbb/servers", Query: "dry_run=true&mode=keep", ContentType: cliYAMLType, Body: yamlDoc}},
			wantStdout: "Dry run: nothing was changed. The sync would do this:\n" +
				"added:          bbb1\n" +
				"updated:        -\n" +
				"enabled:        bbb1\n" +
				"cordoned:       -\n" +
				"removed:        -\n" +
				"dry_run:        true\n" +
				"meetings_ended: 0\n" +
				"mode:           keep\n",
		},
		{
			name:    "sync json from stdin, default mode",
			args:    []string{"servers", "sync", "-"},
			opts:    runOptions{stdin: jsonDoc},
			replies: map[string]cannedReply{"PUT /bbb/servers": {200, syncReport}},
			want:    []recordedRequest{{Method: "PUT", Path: "/bbb/servers", Query: "mode=cordon", ContentType: cliJSONType, Body: jsonDoc}},
			wantStdout: "added:          bbb1\nupdated:        -\nenabled:        bbb1\ncordoned:       -\nremoved:        -\n" +
				"dry_run:        true\nmeetings_ended: 0\nmode:           keep\n",
		},
		{
			name:       "sync json file, json output",
			args:       []string{"servers", "sync", jsonFile, "--json"},
			replies:    map[string]cannedReply{"PUT /bbb/servers": {200, syncReport}},
			want:       []recordedRequest{{Method: "PUT", Path: "/bbb/servers", Query: "mode=cordon", ContentType: cliJSONType, Body: jsonDoc}},
			wantStdout: syncReport + "\n",
		},
		{
			name:       "sync force from stdin needs --yes",
			args:       []string{"servers", "sync", "-", "--mode", "force"},
			opts:       runOptions{stdin: yamlDoc, interactive: true},
			wantCode:   exitUsage,
			wantStdout: "",
		},
		{
			name:       "sync of a missing file",
			args:       []string{"servers", "sync", filepath.Join(dir, "missing.yml")},
			wantCode:   exitFailure,
			wantStdout: "",
		},
		{
			name:       "export prints the yaml",
			args:       []string{"servers", "export"},
			replies:    map[string]cannedReply{"GET /bbb/servers": {200, yamlDoc}},
			want:       []recordedRequest{{Method: "GET", Path: "/bbb/servers", Query: "format=yaml"}},
			wantStdout: yamlDoc,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestConfirmations(t *testing.T) {
	busy := map[string]cannedReply{
		"GET /bbb/meetings":              {200, cliTwoMeetings},
		"POST /bbb/servers/bbb1/disable": {200, strings.Replace(cliServerJSON, `"enabled"`, `"disabled"`, 1)},
		"POST /bbb/servers/bbb1/panic":   {200, cliServerJSON},
		"DELETE /bbb/meetings/m1":        {200, `{}`},
	}
	idle := map[string]cannedReply{
		"GET /bbb/meetings":              {200, `[]`},
		"POST /bbb/servers/bbb1/disable": {200, strings.Replace(cliServerJSON, `"enabled"`, `"disabled"`, 1)},
	}
	boundMeetings := recordedRequest{Method: "GET", Path: "/bbb/meetings", Query: "server=bbb1"}
	disable := recordedRequest{Method: "POST", Path: "/bbb/servers/bbb1/disable"}
	const disabled = "OK: server bbb1 disabled (state disabled)\n"
	tests := []struct {
		requestCase
		wantPrompt bool
		wantStderr string
	}{
		{requestCase{name: "disable answered yes", args: []string{"servers", "disable", "bbb1"},
			opts: runOptions{stdin: "yes\n", interactive: true}, replies: busy,
			want: []recordedRequest{boundMeetings, disable}, wantStdout: disabled}, true, ""},
		{requestCase{name: "disable answered yes without newline", args: []string{"servers", "disable", "bbb1"},
			opts: runOptions{stdin: " yes ", interactive: true}, replies: busy,
			want: []recordedRequest{boundMeetings, disable}, wantStdout: disabled}, true, ""},
		{requestCase{name: "disable answered no", args: []string{"servers", "disable", "bbb1"},
			opts: runOptions{stdin: "no\n", interactive: true}, replies: busy,
			want: []recordedRequest{boundMeetings}, wantCode: exitFailure}, true, "aborted"},
		{requestCase{name: "disable answered y", args: []string{"servers", "disable", "bbb1"},
			opts: runOptions{stdin: "y\n", interactive: true}, replies: busy,
			want: []recordedRequest{boundMeetings}, wantCode: exitFailure}, true, "aborted"},
		{requestCase{name: "disable with no answer", args: []string{"servers", "disable", "bbb1"},
			opts: runOptions{interactive: true}, replies: busy,
			want: []recordedRequest{boundMeetings}, wantCode: exitFailure}, true, "aborted"},
		{requestCase{name: "disable with --yes", args: []string{"servers", "disable", "bbb1", "--yes"},
			replies: busy, want: []recordedRequest{boundMeetings, disable}, wantStdout: disabled}, false, ""},
		{requestCase{name: "disable without terminal", args: []string{"servers", "disable", "bbb1"},
			opts: runOptions{stdin: "yes\n"}, replies: busy,
			want: []recordedRequest{boundMeetings}, wantCode: exitUsage}, false, "pass --yes"},
		{requestCase{name: "disable of an idle server asks nothing", args: []string{"servers", "disable", "bbb1"},
			replies: idle, want: []recordedRequest{boundMeetings, disable}, wantStdout: disabled}, false, ""},
		{requestCase{name: "panic answered yes", args: []string{"servers", "panic", "bbb1"},
			opts: runOptions{stdin: "yes\n", interactive: true}, replies: busy,
			want:       []recordedRequest{{Method: "POST", Path: "/bbb/servers/bbb1/panic"}},
			wantStdout: "OK: server bbb1 panicked (state enabled)\n"}, true, ""},
		{requestCase{name: "panic without terminal", args: []string{"servers", "panic", "bbb1"},
			replies: busy, wantCode: exitUsage}, false, "pass --yes"},
		{requestCase{name: "remove --force answered no", args: []string{"servers", "remove", "bbb1", "--force"},
			opts: runOptions{stdin: "nope\n", interactive: true}, replies: busy,
			want: []recordedRequest{boundMeetings}, wantCode: exitFailure}, true, "aborted"},
		{requestCase{name: "meetings end answered yes", args: []string{"meetings", "end", "m1"},
			opts: runOptions{stdin: "yes\n", interactive: true}, replies: busy,
			want:       []recordedRequest{{Method: "DELETE", Path: "/bbb/meetings/m1"}},
			wantStdout: "OK: meeting m1 ended\n"}, true, ""},
		{requestCase{name: "meetings end without terminal", args: []string{"meetings", "end", "m1"},
			replies: busy, wantCode: exitUsage}, false, "pass --yes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			admin := newFakeAdmin(t, tt.replies)
			res := runCLI(t, admin.addr, tt.opts, tt.args...)
			if res.code != tt.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", res.code, tt.wantCode, res.stderr)
			}
			if res.stdout != tt.wantStdout {
				t.Errorf("stdout %q, want %q", res.stdout, tt.wantStdout)
			}
			if prompted := strings.Contains(res.stderr, "Type 'yes' to continue"); prompted != tt.wantPrompt {
				t.Errorf("prompted %v, want %v (stderr %q)", prompted, tt.wantPrompt, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.wantStderr) {
				t.Errorf("stderr %q, want it to contain %q", res.stderr, tt.wantStderr)
			}
			got := admin.recorded()
			if len(got) != len(tt.want) {
				t.Fatalf("requests %+v, want %+v", got, tt.want)
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.Method != w.Method || g.Path != w.Path || g.Query != w.Query {
					t.Errorf("request %d: %s %s?%s, want %s %s?%s", i, g.Method, g.Path, g.Query, w.Method, w.Path, w.Query)
				}
			}
		})
	}
}

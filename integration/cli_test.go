package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
)

// cliResult is the outcome of one `caddy bbb` run.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runBBB runs `caddy bbb args...` in-process, built from the registered
// command as caddycmd.Main builds it, against the caddytest admin endpoint.
// Its stdin is not a terminal, so confirmations need --yes.
func runBBB(t *testing.T, stdin string, args ...string) cliResult {
	t.Helper()
	registered, ok := caddycmd.Commands()["bbb"]
	if !ok {
		t.Fatal("caddy command bbb is not registered")
	}
	root := &cobra.Command{Use: "caddy", SilenceUsage: true}
	cmd := &cobra.Command{Use: "bbb", Short: registered.Short, Long: registered.Long}
	registered.CobraFunc(cmd)
	root.AddCommand(cmd)
	root.SetArgs(append(append([]string{"bbb"}, args...), "--address", "localhost:2999"))
	var stdout, stderr bytes.Buffer
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	return cliResult{stdout: stdout.String(), stderr: stderr.String(), code: cliExitCode(err)}
}

// cliExitCode returns the status caddycmd.Main exits with after err: the
// code of caddycmd's (unexported) exit error, else 1 for any error.
func cliExitCode(err error) int {
	if err == nil {
		return 0
	}
	v := reflect.ValueOf(err)
	if v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
		if f := v.Elem().FieldByName("ExitCode"); f.IsValid() {
			return int(f.Int())
		}
	}
	return 1
}

// cliStep is one command of the CLI scenario and what it must do.
type cliStep struct {
	name  string
	args  []string
	stdin string
	code  int
	// stdout is compared exactly ("" is no output) unless contains or
	// lines is set; contains lists substrings stdout must have.
	stdout   string
	contains []string
	// lines lists lines stdout must have, compared with runs of blanks
	// squeezed to one space (the width of aligned columns varies).
	lines      []string
	stderrHas  string
	afterCheck func(t *testing.T)
}

func (s cliStep) run(t *testing.T) {
	t.Helper()
	res := runBBB(t, s.stdin, s.args...)
	if res.code != s.code {
		t.Errorf("caddy bbb %s: exit %d, want %d (stderr %q)", strings.Join(s.args, " "), res.code, s.code, res.stderr)
	}
	for _, want := range s.contains {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("caddy bbb %s: stdout\n%s\nlacks %q", strings.Join(s.args, " "), res.stdout, want)
		}
	}
	if s.contains == nil && s.lines == nil && res.stdout != s.stdout {
		t.Errorf("caddy bbb %s: stdout\n%s\nwant\n%s", strings.Join(s.args, " "), res.stdout, s.stdout)
	}
	squeezed := map[string]bool{}
	for _, line := range strings.Split(res.stdout, "\n") {
		squeezed[strings.Join(strings.Fields(line), " ")] = true
	}
	for _, want := range s.lines {
		if !squeezed[want] {
			t.Errorf("caddy bbb %s: stdout\n%s\nlacks the line %q", strings.Join(s.args, " "), res.stdout, want)
		}
	}
	if !strings.Contains(res.stderr, s.stderrHas) {
		t.Errorf("caddy bbb %s: stderr %q lacks %q", strings.Join(s.args, " "), res.stderr, s.stderrHas)
	}
	if s.code == 0 && res.stderr != "" {
		t.Errorf("caddy bbb %s: succeeded with stderr %q", strings.Join(s.args, " "), res.stderr)
	}
	if s.afterCheck != nil {
		s.afterCheck(t)
	}
}

// startSims starts n simulated BBB servers that stop with the test.
func startSims(t *testing.T, n int) []*bbbsim.Sim {
	t.Helper()
	sims := make([]*bbbsim.Sim, n)
	for i := range sims {
		sims[i] = bbbsim.New(bbbsim.Options{Secret: fmt.Sprintf("sim-secret-%d", i+1), Version: "3.0.4"})
		if err := sims[i].Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := sims[i].Close(); err != nil {
				t.Errorf("close sim: %v", err)
			}
		})
	}
	return sims
}

// TestCLI drives the pool through `caddy bbb` against a running Caddy with
// two simulated BBB servers, checking each command's output and exit status.
// The steps build on each other.
func TestCLI(t *testing.T) {
	const frontendSecret = "cli-frontend-secret"
	sims := startSims(t, 2)
	tester := newTester(t)
	// A store of its own keeps out what other tests left; a long poll
	// interval leaves polling to `caddy bbb poll`.
	db := filepath.Join(t.TempDir(), "bbb.db")
	tester.InitServer("{"+testHeader+"\tbbb {\n\t\tsecrets "+frontendSecret+"\n\t\tstore sqlite "+db+
		"\n\t\tpoll_interval 1h\n\t}\n}\n"+bbbSite(t), "caddyfile")

	u1, u2 := sims[0].URL(), sims[1].URL()
	pool := []cliStep{
		{name: "empty pool", args: []string{"servers"},
			stdout: "ID  URL  STATE  STATUS  LOAD  MULTIPLIER  MEETINGS  USERS  BBB VERSION  TAG\n"},
		{name: "add bbb1", args: []string{"servers", "add", "--url", u1, "--secret", "sim-secret-1", "--id", "bbb1", "--tag", "big"},
			stdout: "OK\nid: bbb1\n"},
		{name: "add bbb2", args: []string{"servers", "add", "--url", u2, "--secret", "sim-secret-2", "--id", "bbb2"},
			stdout: "OK\nid: bbb2\n"},
		{name: "add with a bad url", args: []string{"servers", "add", "--url", "ftp://bbb.example.com", "--secret", "x"},
			code: 1, stderrHas: "http or https"},
		{name: "add a taken id", args: []string{"servers", "add", "--url", u2, "--secret", "x", "--id", "bbb1"},
			code: 1, stderrHas: `server "bbb1" already exists`},
		{name: "add without secret", args: []string{"servers", "add", "--url", u2}, code: 2, stderrHas: "--secret is required"},
		{name: "new servers are disabled and offline", args: []string{"servers", "list"}, contains: []string{
			"bbb1  " + u1 + "  disabled  offline  unavailable  1           0         0      -            big\n",
			"bbb2  " + u2 + "  disabled  offline  unavailable  1           0         0      -            -\n",
		}},
		{name: "update multiplier, clear tag", args: []string{"servers", "update", "bbb1", "--load-multiplier", "2", "--tag", ""},
			stdout: "OK: server bbb1 updated (state disabled)\n",
			afterCheck: func(t *testing.T) {
				s := getServer(t, "bbb1")
				if s["tag"] != "" || s["load_multiplier"] != 2.0 {
					t.Errorf("after update: tag %v, load_multiplier %v; want \"\" and 2", s["tag"], s["load_multiplier"])
				}
			}},
		{name: "update unknown server", args: []string{"servers", "update", "nope", "--tag", "x"}, code: 1, stderrHas: `no server with id "nope"`},
		{name: "enable bbb1", args: []string{"servers", "enable", "bbb1"}, stdout: "OK: server bbb1 enabled (state enabled)\n"},
		{name: "enable bbb2", args: []string{"servers", "enable", "bbb2"}, stdout: "OK: server bbb2 enabled (state enabled)\n"},
		{name: "poll", args: []string{"poll"},
			lines: []string{"polled: 2", "online: 2", "offline: 0", "failed: -", "went_online: bbb1, bbb2"}},
		{name: "status after poll", args: []string{"status"}, stdout: "" +
			"HOSTNAME   STATE    STATUS  MEETINGS  USERS  LARGEST MEETING  VIDEOS  LOAD  BBB VERSION  TAG\n" +
			"127.0.0.1  enabled  online  0         0      0                0       0     3.0.4        -\n" +
			"127.0.0.1  enabled  online  0         0      0                0       0     3.0.4        -\n"},
	}
	runSteps(t, pool)

	// Meetings are created through the balancer, as a front-end would.
	create(t, tester, frontendSecret, "room1")
	create(t, tester, frontendSecret, "room2")
	host := map[string]string{}
	for _, m := range listJSON(t, "meetings") {
		id, _ := m["id"].(string)
		host[id], _ = m["server_id"].(string)
	}
	if host["room1"] == "" || host["room2"] == "" {
		t.Fatalf("meetings on servers %v, want room1 and room2 placed", host)
	}
	sim := map[string]*bbbsim.Sim{"bbb1": sims[0], "bbb2": sims[1]}
	other := map[string]string{"bbb1": "bbb2", "bbb2": "bbb1"}
	meetings := []cliStep{
		{name: "meetings list", args: []string{"meetings", "list"}, contains: []string{
			"MEETING ID  TENANT  SERVER  CREATED", "\nroom1       -       " + host["room1"] + "    ", "\nroom2       -       " + host["room2"] + "    ",
		}},
		{name: "meetings of one server", args: []string{"meetings", "--server", host["room1"], "--json"},
			contains: []string{`"id":"room1"`, `"server_id":"` + host["room1"] + `"`}},
		{name: "meetings of an unknown server", args: []string{"meetings", "--server", "nope"}, code: 1, stderrHas: `no server with id "nope"`},
		{name: "meetings info", args: []string{"meetings", "info", "room1"},
			contains: []string{"id:           room1\n", "server_id:    " + host["room1"] + "\n"}},
		{name: "meetings info unknown", args: []string{"meetings", "info", "nope"}, code: 1, stderrHas: "nope"},
		{name: "meetings end without terminal", args: []string{"meetings", "end", "room1"}, code: 2, stderrHas: "pass --yes"},
		{name: "meetings end", args: []string{"meetings", "end", "room1", "--yes"}, stdout: "OK: meeting room1 ended\n",
			afterCheck: func(t *testing.T) {
				if _, running := sim[host["room1"]].Meeting("room1"); running {
					t.Error("room1 still runs on its server")
				}
			}},
		{name: "disable with a meeting, no terminal", args: []string{"servers", "disable", host["room2"]},
			code: 2, stderrHas: "has 1 meeting(s); disabling it ends them"},
		{name: "remove with a meeting", args: []string{"servers", "remove", host["room2"]}, code: 1, stderrHas: "still has 1 meeting(s)"},
		{name: "disable with a meeting, --yes", args: []string{"servers", "disable", host["room2"], "--yes"},
			stdout: "OK: server " + host["room2"] + " disabled (state disabled)\n",
			afterCheck: func(t *testing.T) {
				if _, running := sim[host["room2"]].Meeting("room2"); running {
					t.Error("room2 still runs on its server after disable")
				}
				if left := listJSON(t, "meetings"); len(left) != 0 {
					t.Errorf("meetings left after disable: %v", left)
				}
			}},
		{name: "cordon the other", args: []string{"servers", "cordon", other[host["room2"]]},
			stdout: "OK: server " + other[host["room2"]] + " cordoned (state cordoned)\n"},
		{name: "panic without terminal", args: []string{"servers", "panic", "bbb1"}, code: 2, stderrHas: "pass --yes"},
		{name: "panic keeping the state", args: []string{"servers", "panic", "bbb2", "--keep-state", "--yes"},
			contains: []string{"OK: server bbb2 panicked (state "}},
		{name: "remove bbb2", args: []string{"servers", "remove", "bbb2"}, stdout: "OK: server bbb2 removed\n"},
		{name: "remove unknown", args: []string{"servers", "remove", "bbb2"}, code: 1, stderrHas: `no server with id "bbb2"`},
		{name: "export", args: []string{"servers", "export"}, contains: []string{"servers:\n", "bbb1:\n", "url: " + u1 + "\n", "secret: sim-secret-1\n"}},
		{name: "unknown verb", args: []string{"servers", "frob"}, code: 2, stderrHas: `unknown command "frob"`},
	}
	runSteps(t, meetings)

	// Sync: a document with only bbb3 adds it; in cordon mode the idle bbb1,
	// not listed, is removed. The dry run reports that and changes nothing.
	doc := filepath.Join(t.TempDir(), "servers.yml")
	yamlDoc := "servers:\n  bbb3:\n    url: " + u2 + "\n    secret: sim-secret-2\n    load_multiplier: 1.5\n"
	if err := os.WriteFile(doc, []byte(yamlDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	syncSteps := []cliStep{
		{name: "sync dry run", args: []string{"servers", "sync", doc, "--dry-run"},
			contains: []string{"Dry run: nothing was changed", "added:          bbb3\n", "removed:        bbb1\n"},
			afterCheck: func(t *testing.T) {
				if ids := serverIDs(t); !reflect.DeepEqual(ids, []string{"bbb1"}) {
					t.Errorf("after dry run the pool is %v, want [bbb1]", ids)
				}
			}},
		{name: "sync force from stdin without --yes", args: []string{"servers", "sync", "-", "--mode", "force"}, stdin: yamlDoc,
			code: 2, stderrHas: "--yes"},
		{name: "sync", args: []string{"servers", "sync", doc},
			contains: []string{"added:          bbb3\n", "enabled:        bbb3\n", "removed:        bbb1\n"},
			afterCheck: func(t *testing.T) {
				if ids := serverIDs(t); !reflect.DeepEqual(ids, []string{"bbb3"}) {
					t.Errorf("after sync the pool is %v, want [bbb3]", ids)
				}
			}},
		{name: "sync json again changes nothing", args: []string{"servers", "sync", "-", "--mode", "keep"},
			stdin:    `{"servers": {"bbb3": {"url": "` + u2 + `", "secret": "sim-secret-2", "load_multiplier": 1.5}}}`,
			contains: []string{"added:          -\n", "removed:        -\n"}},
	}
	runSteps(t, syncSteps)

	// Tenants and their settings.
	res := runBBB(t, "", "tenants", "add", "acme", "acme-secret-1", "acme-secret-2")
	if res.code != 0 || !strings.HasPrefix(res.stdout, "OK\nid: ") {
		t.Fatalf("tenants add: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	tenantID := strings.TrimSpace(strings.TrimPrefix(res.stdout, "OK\nid: "))
	tenantSteps := []cliStep{
		{name: "tenants list", args: []string{"tenants"}, stdout: fmt.Sprintf("NAME  ID%s  SECRETS\nacme  %s  2\n",
			strings.Repeat(" ", len(tenantID)-2), tenantID)},
		{name: "tenants update", args: []string{"tenants", "update", tenantID, "--secret", "acme-secret-3"},
			stdout: "OK: tenant " + tenantID + " updated\n"},
		{name: "tenants list after update", args: []string{"tenants", "list"}, lines: []string{"acme " + tenantID + " 1"}},
		{name: "tenants add taken name", args: []string{"tenants", "add", "acme", "x"}, code: 1, stderrHas: "acme"},
		{name: "settings set", args: []string{"tenants", "settings", "set", tenantID, "--default", "welcome=Hello", "--override", "record=false"},
			stdout: "PARAM    KIND      VALUE\nrecord   override  false\nwelcome  default   Hello\n"},
		{name: "settings show", args: []string{"tenants", "settings", tenantID},
			stdout: "PARAM    KIND      VALUE\nrecord   override  false\nwelcome  default   Hello\n"},
		{name: "settings set keeps the others", args: []string{"tenants", "settings", "set", tenantID, "--unset", "record"},
			stdout: "PARAM    KIND     VALUE\nwelcome  default  Hello\n"},
		{name: "settings clear", args: []string{"tenants", "settings", "clear", tenantID},
			stdout: "OK: settings of tenant " + tenantID + " cleared\n"},
		{name: "settings after clear", args: []string{"tenants", "settings", "show", tenantID}, stdout: "PARAM  KIND  VALUE\n"},
		{name: "settings of unknown tenant", args: []string{"tenants", "settings", "nope"}, code: 1, stderrHas: "nope"},
		{name: "tenants remove", args: []string{"tenants", "remove", tenantID}, stdout: "OK: tenant " + tenantID + " removed\n"},
		{name: "tenants empty", args: []string{"tenants"}, stdout: "NAME  ID  SECRETS\n"},
	}
	runSteps(t, tenantSteps)
}

// runSteps runs steps in order and stops the test at the first that fails,
// since the later ones build on it.
func runSteps(t *testing.T, steps []cliStep) {
	t.Helper()
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			t.FailNow()
		}
	}
}

// getServer reads one server through `caddy bbb servers --json`.
func getServer(t *testing.T, id string) map[string]any {
	t.Helper()
	for _, s := range listJSON(t, "servers") {
		if s["id"] == id {
			return s
		}
	}
	t.Fatalf("server %s not in the list", id)
	return nil
}

// listJSON runs `caddy bbb <what> --json` and decodes the list it prints.
func listJSON(t *testing.T, what string) []map[string]any {
	t.Helper()
	res := runBBB(t, "", what, "--json")
	if res.code != 0 {
		t.Fatalf("%s --json: exit %d, stderr %q", what, res.code, res.stderr)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(res.stdout), &list); err != nil {
		t.Fatalf("%s --json: %v (%q)", what, err, res.stdout)
	}
	return list
}

func serverIDs(t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, s := range listJSON(t, "servers") {
		id, _ := s["id"].(string)
		ids = append(ids, id)
	}
	return ids
}

// create creates a meeting through the balancer, as a front-end would.
func create(t *testing.T, tester *caddytest.Tester, secret, meetingID string) {
	t.Helper()
	target := bbb.SignedURL("http://localhost:9080/bigbluebutton/api", "create",
		bbb.Params{{Key: "meetingID", Value: meetingID}, {Key: "name", Value: "Room " + meetingID}}, secret, bbb.SHA256)
	resp, err := tester.Client.Get(target)
	if err != nil {
		t.Fatalf("create %s: %v", meetingID, err)
	}
	defer resp.Body.Close()
	var doc struct {
		ReturnCode string `xml:"returncode"`
		Message    string `xml:"message"`
	}
	if err := xml.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != http.StatusOK || doc.ReturnCode != "SUCCESS" {
		t.Fatalf("create %s: status %d, %+v, %v", meetingID, resp.StatusCode, doc, err)
	}
}

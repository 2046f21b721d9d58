package admin

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"
)

// recordedRequest is what the fake admin endpoint saw of one request.
type recordedRequest struct {
	Method      string
	Path        string // escaped, as sent
	Query       string
	ContentType string
	Body        string
}

// cannedReply is a canned admin answer.
type cannedReply struct {
	status int
	body   string
}

// fakeAdmin is an admin endpoint that records requests and answers from a
// table keyed by "METHOD /escaped/path"; anything else is a JSON 404.
type fakeAdmin struct {
	t       *testing.T
	addr    string
	replies map[string]cannedReply

	mu       sync.Mutex
	requests []recordedRequest
}

func newFakeAdmin(t *testing.T, replies map[string]cannedReply) *fakeAdmin {
	t.Helper()
	f := &fakeAdmin{t: t, replies: replies}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.addr = strings.TrimPrefix(srv.URL, "http://")
	return f
}

func (f *fakeAdmin) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("read request body: %v", err)
	}
	f.mu.Lock()
	f.requests = append(f.requests, recordedRequest{
		Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		ContentType: r.Header.Get("Content-Type"), Body: string(body),
	})
	f.mu.Unlock()
	rep, ok := f.replies[r.Method+" "+r.URL.EscapedPath()]
	if !ok {
		rep = cannedReply{http.StatusNotFound, `{"error":"no such route in the test"}`}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	io.WriteString(w, rep.body)
}

func (f *fakeAdmin) recorded() []recordedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recordedRequest(nil), f.requests...)
}

// cliResult is the outcome of one CLI run.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runOptions wire a CLI run to a fake terminal.
type runOptions struct {
	stdin       string
	interactive bool
}

// runCLI runs `caddy bbb args...` in-process against the admin endpoint at
// addr, the way caddycmd.Main would, and returns its output and exit status.
func runCLI(t *testing.T, addr string, opts runOptions, args ...string) cliResult {
	t.Helper()
	root := &cobra.Command{Use: "caddy", SilenceUsage: true}
	bbbCmd := &cobra.Command{Use: "bbb", Short: "test"}
	c := newCLI()
	c.interactive = func(io.Reader) bool { return opts.interactive }
	c.setup(bbbCmd)
	root.AddCommand(bbbCmd)

	full := append([]string{"bbb"}, args...)
	if addr != "" {
		full = append(full, "--address", addr)
	}
	root.SetArgs(full)
	var stdout, stderr bytes.Buffer
	root.SetIn(strings.NewReader(opts.stdin))
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	return cliResult{stdout: stdout.String(), stderr: stderr.String(), code: exitCodeOf(t, err)}
}

// exitCodeOf returns the status caddycmd.Main exits with for err: 0 for nil,
// the code of caddycmd's exit error, 1 for anything else.
func exitCodeOf(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	// caddycmd's exit error type is unexported; its ExitCode field is what
	// Main exits with.
	v := reflect.ValueOf(err)
	if v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
		if f := v.Elem().FieldByName("ExitCode"); f.IsValid() {
			return int(f.Int())
		}
	}
	if !errors.Is(err, errFailed) {
		t.Errorf("command returned %v, which fail did not make", err)
	}
	return 1
}

func TestRegistered(t *testing.T) {
	cmd, ok := caddycmd.Commands()["bbb"]
	if !ok {
		t.Fatal("caddy command bbb is not registered")
	}
	root := &cobra.Command{Use: "bbb"}
	cmd.CobraFunc(root)
	for _, path := range [][]string{
		{"servers", "add"}, {"servers", "sync"}, {"servers", "export"}, {"poll"}, {"status"},
		{"meetings", "end"}, {"tenants", "settings", "set"}, {"recordings", "assign-tenant"},
	} {
		found, rest, err := root.Find(path)
		if err != nil || len(rest) != 0 || found.Name() != path[len(path)-1] {
			t.Errorf("bbb %s: not found (got %q, rest %q, err %v)", strings.Join(path, " "), found.Name(), rest, err)
		}
	}
	for _, name := range []string{"address", "config", "adapter", "json", "yes"} {
		if root.PersistentFlags().Lookup(name) == nil {
			t.Errorf("persistent flag --%s missing", name)
		}
	}
	if !strings.Contains(cmd.Long, "Exit status") {
		t.Error("long help does not document the exit status")
	}
}

func TestUsageErrors(t *testing.T) {
	admin := newFakeAdmin(t, nil)
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"unknown verb", []string{"frob"}, `unknown command "frob"`},
		{"unknown servers verb", []string{"servers", "frob"}, `unknown command "frob"`},
		{"unknown flag", []string{"servers", "list", "--frob"}, "unknown flag: --frob"},
		{"bad float", []string{"servers", "add", "--url", "http://x", "--secret", "s", "--load-multiplier", "x"}, "invalid argument"},
		{"add without url", []string{"servers", "add", "--secret", "s"}, "--url is required"},
		{"add without secret", []string{"servers", "add", "--url", "http://x"}, "--secret is required"},
		{"update without id", []string{"servers", "update", "--tag", "x"}, "accepts 1 arg(s)"},
		{"update without change", []string{"servers", "update", "bbb1"}, "nothing to update"},
		{"enable two ids", []string{"servers", "enable", "a", "b"}, "accepts 1 arg(s)"},
		{"sync bad mode", []string{"servers", "sync", "-", "--mode", "all"}, "--mode must be keep, cordon or force"},
		{"meetings end without id", []string{"meetings", "end"}, "requires at least 1 arg(s)"},
		{"tenants add without secret", []string{"tenants", "add", "acme"}, "requires at least 2 arg(s)"},
		{"settings set bad pair", []string{"tenants", "settings", "set", "t1", "--default", "novalue"}, "want param=value"},
		{"settings set nothing", []string{"tenants", "settings", "set", "t1"}, "nothing to set"},
		{"adapter without config", []string{"status", "--adapter", "caddyfile"}, "--adapter needs --config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, admin.addr, runOptions{}, tt.args...)
			if res.code != exitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", res.code, exitUsage, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.wantErr) || !strings.Contains(res.stderr, "--help' for usage") {
				t.Errorf("stderr %q, want it to contain %q and a pointer to --help", res.stderr, tt.wantErr)
			}
			if res.stdout != "" {
				t.Errorf("stdout %q, want nothing", res.stdout)
			}
		})
	}
	if reqs := admin.recorded(); len(reqs) != 0 {
		t.Errorf("usage errors sent requests: %+v", reqs)
	}
}

func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{}, {"recordings"}, {"servers", "--help"}} {
		res := runCLI(t, "", runOptions{}, args...)
		if res.code != 0 || !strings.Contains(res.stdout, "Usage:") {
			t.Errorf("bbb %v: exit %d, stdout %q; want 0 and help", args, res.code, res.stdout)
		}
	}
}

func TestAdminErrors(t *testing.T) {
	admin := newFakeAdmin(t, map[string]cannedReply{
		"DELETE /bbb/servers/bbb1": {http.StatusConflict, `{"error":"server \"bbb1\" still has 2 meeting(s)"}`},
		"GET /bbb/status":          {http.StatusServiceUnavailable, `{"error":"the bbb app is not configured"}`},
		"GET /bbb/servers":         {http.StatusInternalServerError, "boom"},
		"POST /bbb/poll":           {http.StatusOK, "not json"},
	})
	tests := []struct {
		args       []string
		wantStderr string
	}{
		{[]string{"servers", "remove", "bbb1"}, "Error: server \"bbb1\" still has 2 meeting(s)\n"},
		{[]string{"status"}, "Error: the bbb app is not configured\n"},
		{[]string{"servers"}, "Error: HTTP 500: boom\n"},
		{[]string{"poll"}, "Error: unexpected answer to poll: "},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			res := runCLI(t, admin.addr, runOptions{}, tt.args...)
			if res.code != exitFailure {
				t.Errorf("exit %d, want %d", res.code, exitFailure)
			}
			if !strings.HasPrefix(res.stderr, tt.wantStderr) {
				t.Errorf("stderr %q, want it to start with %q", res.stderr, tt.wantStderr)
			}
			if res.stdout != "" {
				t.Errorf("stdout %q, want nothing", res.stdout)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	// A listener that is closed at once leaves a port nothing answers on.
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := strings.TrimPrefix(srv.URL, "http://")
	srv.Close()
	res := runCLI(t, addr, runOptions{}, "status")
	if res.code != exitFailure || !strings.Contains(res.stderr, "cannot reach Caddy's admin endpoint") {
		t.Errorf("exit %d, stderr %q; want 1 and a hint that Caddy is not reachable", res.code, res.stderr)
	}
}

// TestAdminAddressFromConfig checks that without --address the admin
// endpoint comes from the config file, as with caddy reload.
func TestAdminAddressFromConfig(t *testing.T) {
	admin := newFakeAdmin(t, map[string]cannedReply{"GET /bbb/tenants": {http.StatusOK, `[]`}})
	config := filepath.Join(t.TempDir(), "caddy.json")
	if err := os.WriteFile(config, []byte(`{"admin": {"listen": "`+admin.addr+`"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	res := runCLI(t, "", runOptions{}, "tenants", "--config", config)
	if res.code != 0 || res.stdout != "NAME  ID  SECRETS\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	if got := admin.recorded(); len(got) != 1 {
		t.Errorf("requests %+v, want one", got)
	}
}

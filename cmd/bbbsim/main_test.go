package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// started runs the command until the test cancels it and returns what it
// printed once it has printed want lines.
type started struct {
	cancel context.CancelFunc
	done   chan error
	lines  []string
	stderr *syncBuffer
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func start(t *testing.T, want int, args ...string) *started {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	pr, pw := io.Pipe()
	st := &started{cancel: cancel, done: make(chan error, 1), stderr: &syncBuffer{}}
	go func() {
		err := run(ctx, args, pw, st.stderr)
		pw.Close()
		st.done <- err
	}()
	sc := bufio.NewScanner(pr)
	for len(st.lines) < want && sc.Scan() {
		st.lines = append(st.lines, sc.Text())
	}
	// Drain the rest so run never blocks on a write.
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	t.Cleanup(func() { st.stop(t) })
	return st
}

func (st *started) stop(t *testing.T) error {
	t.Helper()
	st.cancel()
	select {
	case err, ok := <-st.done:
		if ok {
			close(st.done)
		}
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return after cancel")
		return nil
	}
}

func TestLines(t *testing.T) {
	st := start(t, 3, "-n", "3", "-secret", "s3cret", "-version", "3.0.7")
	if len(st.lines) != 3 {
		t.Fatalf("printed %q, want 3 lines; stderr %s", st.lines, st.stderr)
	}
	seen := map[string]bool{}
	for i, line := range st.lines {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "sim-"+string(rune('1'+i)) || f[2] != "s3cret" ||
			!strings.HasPrefix(f[1], "http://127.0.0.1:") || !strings.HasSuffix(f[1], "/bigbluebutton/api") {
			t.Fatalf("line %q, want sim-N http://127.0.0.1:PORT/bigbluebutton/api s3cret", line)
		}
		if seen[f[1]] {
			t.Errorf("URL %s printed twice", f[1])
		}
		seen[f[1]] = true

		resp, err := http.Get(f[1] + "/getMeetings?checksum=" + bbb.Checksum(bbb.SHA256, "getMeetings", "", f[2]))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			ReturnCode string `xml:"returncode"`
			MessageKey string `xml:"messageKey"`
		}
		err = xml.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if err != nil || doc.ReturnCode != "SUCCESS" || doc.MessageKey != "noMeetings" {
			t.Errorf("%s getMeetings: %+v %v", f[0], doc, err)
		}
	}
	url := strings.Fields(st.lines[0])[1]
	if err := st.stop(t); err != nil {
		t.Fatalf("run: %v", err)
	}
	if _, err := http.Get(url); err == nil {
		t.Error("server still answers after the command stopped")
	}
}

func TestRandomSecrets(t *testing.T) {
	st := start(t, 2, "-n", "2")
	if len(st.lines) != 2 {
		t.Fatalf("printed %q", st.lines)
	}
	a, b := strings.Fields(st.lines[0])[2], strings.Fields(st.lines[1])[2]
	if a == b || len(a) < 16 {
		t.Errorf("secrets %q and %q, want two distinct random ones", a, b)
	}
}

func TestYAML(t *testing.T) {
	st := start(t, 11, "-n", "2", "-yaml", "-secret", "abc")
	var doc struct {
		Servers map[string]struct {
			URL            string  `yaml:"url"`
			Secret         string  `yaml:"secret"`
			Enabled        bool    `yaml:"enabled"`
			LoadMultiplier float64 `yaml:"load_multiplier"`
		} `yaml:"servers"`
	}
	if err := yaml.Unmarshal([]byte(strings.Join(st.lines, "\n")), &doc); err != nil {
		t.Fatalf("yaml %q: %v", st.lines, err)
	}
	if len(doc.Servers) != 2 {
		t.Fatalf("servers %+v, want sim-1 and sim-2", doc.Servers)
	}
	for _, id := range []string{"sim-1", "sim-2"} {
		s := doc.Servers[id]
		if !strings.HasSuffix(s.URL, "/bigbluebutton/api") || s.Secret != "abc" || !s.Enabled || s.LoadMultiplier != 1 {
			t.Errorf("%s: %+v", id, s)
		}
	}
}

func TestRegister(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	var bodies []map[string]string
	admin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, r.Method+" "+r.URL.Path)
		switch {
		case r.URL.Path == "/bbb/servers":
			var b map[string]string
			if err := json.NewDecoder(r.Body).Decode(&b); err != nil || r.Header.Get("Content-Type") != "application/json" {
				http.Error(w, `{"error":"bad body"}`, http.StatusBadRequest)
				return
			}
			bodies = append(bodies, b)
			w.WriteHeader(http.StatusCreated)
		case strings.HasSuffix(r.URL.Path, "/enable"):
			w.WriteHeader(http.StatusOK)
		default:
			http.NotFound(w, r)
		}
	}))
	defer admin.Close()

	st := start(t, 2, "-n", "2", "-secret", "xyz", "-register", strings.TrimPrefix(admin.URL, "http://"))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(st.stderr.String(), "registered") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := st.stop(t); err != nil {
		t.Fatalf("run: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"POST /bbb/servers", "POST /bbb/servers/sim-1/enable", "POST /bbb/servers", "POST /bbb/servers/sim-2/enable"}
	if strings.Join(calls, ",") != strings.Join(want, ",") {
		t.Errorf("admin calls %v, want %v", calls, want)
	}
	for i, b := range bodies {
		if b["id"] != "sim-"+string(rune('1'+i)) || b["secret"] != "xyz" || b["url"] != strings.Fields(st.lines[i])[1] {
			t.Errorf("add body %d = %v", i, b)
		}
	}
}

func TestRegisterErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"routes missing", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			"404 Not Found: 404 page not found (does this caddy-bbb have the /bbb/ admin routes?)"},
		{"admin error", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"error":"server sim-1 exists"}`))
		}, "409 Conflict: server sim-1 exists"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			admin := httptest.NewServer(tc.handler)
			defer admin.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			err := run(ctx, []string{"-n", "1", "-secret", "hidden-secret", "-register", admin.URL}, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "register sim-1") {
				t.Fatalf("error %v, want one naming sim-1 and %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hidden-secret") {
				t.Errorf("error reveals the secret: %v", err)
			}
		})
	}
	// Nothing listens there.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := run(ctx, []string{"-register", "127.0.0.1:1"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "is caddy-bbb running") {
		t.Errorf("unreachable admin: %v", err)
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-n", "0"},
		{"-listen", "nohostport"},
		{"-listen", "127.0.0.1:65535", "-n", "2"},
		{"extra"},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := run(ctx, args, io.Discard, io.Discard); err == nil {
			t.Errorf("run %q: no error", args)
		}
	}
}

package bbbsim

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

func get(client *http.Client, target string) (int, []byte, error) {
	resp, err := client.Get(target)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

func TestFaultDown(t *testing.T) {
	s := startSim(t, Options{})
	client := newClient(2 * time.Second)
	defer client.CloseIdleConnections()
	target := sign(s, "getMeetings", "", bbb.SHA256)

	// The first call leaves a keep-alive connection in the client's pool;
	// Down must not be answered on it either.
	if status, _, err := get(client, target); err != nil || status != http.StatusOK {
		t.Fatalf("healthy: status %d, %v", status, err)
	}
	if err := s.SetFault(Down); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		_, _, err := get(client, target)
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("down, request %d: error %v, want connection refused", i, err)
		}
	}
	if n := len(s.Requests()); n != 1 {
		t.Errorf("%d requests logged, want only the one before Down", n)
	}

	if err := s.SetFault(Healthy); err != nil {
		t.Fatalf("recover: %v", err)
	}
	status, body, err := get(client, target)
	if err != nil || status != http.StatusOK {
		t.Fatalf("recovered: status %d, %v", status, err)
	}
	var doc struct {
		ReturnCode string `xml:"returncode"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil || doc.ReturnCode != "SUCCESS" {
		t.Errorf("recovered answer %s (%v)", body, err)
	}
	if got := s.URL(); got != "http://"+s.Addr()+APIPath {
		t.Errorf("URL changed to %q", got)
	}
}

func TestFaultHang(t *testing.T) {
	s := startSim(t, Options{})
	if err := s.SetFault(Hang); err != nil {
		t.Fatal(err)
	}
	client := newClient(300 * time.Millisecond)
	defer client.CloseIdleConnections()
	start := time.Now()
	_, _, err := get(client, sign(s, "getMeetings", "", bbb.SHA256))
	elapsed := time.Since(start)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("error %v, want a client timeout", err)
	}
	if elapsed < 300*time.Millisecond || elapsed > 2*time.Second {
		t.Errorf("gave up after %v, want about 300ms", elapsed)
	}
	if n := len(s.RequestsFor("getMeetings")); n != 1 {
		t.Errorf("%d getMeetings logged, want 1: a hanging server still receives", n)
	}
	if err := s.SetFault(Healthy); err != nil {
		t.Fatal(err)
	}
	if status, _, err := get(client, sign(s, "getMeetings", "", bbb.SHA256)); err != nil || status != http.StatusOK {
		t.Errorf("after Hang cleared: status %d, %v", status, err)
	}
}

func TestFaultGarbage(t *testing.T) {
	s := startSim(t, Options{})
	if err := s.SetFault(Garbage); err != nil {
		t.Fatal(err)
	}
	r := call(t, s, "getMeetings", "")
	if r.status != http.StatusOK {
		t.Errorf("status %d, want 200", r.status)
	}
	var doc struct {
		ReturnCode string `xml:"returncode"`
	}
	if err := xml.Unmarshal(r.body, &doc); err == nil {
		t.Errorf("garbage %q parsed as XML", r.body)
	}
}

func TestFaultSlow(t *testing.T) {
	s := startSim(t, Options{})
	const delay = 150 * time.Millisecond
	timed := func() time.Duration {
		start := time.Now()
		root := parseXML(t, call(t, s, "getMeetings", ""))
		if root.text("returncode") != "SUCCESS" {
			t.Fatalf("returncode %s", root.text("returncode"))
		}
		return time.Since(start)
	}
	s.SetSlow(delay)
	if d := timed(); d < delay {
		t.Errorf("slow answer after %v, want at least %v", d, delay)
	}
	s.SetSlow(0)
	if d := timed(); d >= delay {
		t.Errorf("answer after %v with Slow off, want under %v", d, delay)
	}
}

func TestSetFaultInvalid(t *testing.T) {
	s := startSim(t, Options{})
	if err := s.SetFault(Fault(42)); err == nil {
		t.Error("SetFault(42) accepted")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFault(Down); err == nil {
		t.Error("SetFault after Close accepted")
	}
}

// waitGoroutines waits (bounded) for the goroutine count to fall to want.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want at most %d:\n%s", n, want, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCloseLeavesNoGoroutines runs every fault, leaves requests hanging, and
// checks Close releases them and stops everything it started.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	baseline := runtime.NumGoroutine()

	s := New(Options{Secret: testSecret})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	client := newClient(0) // no timeout: only Close ends the hanging requests
	call := func() error {
		_, _, err := get(client, sign(s, "getMeetings", "", bbb.SHA256))
		return err
	}
	if err := call(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []Fault{Down, Healthy, Garbage, Healthy, Down, Hang} {
		if err := s.SetFault(f); err != nil {
			t.Fatalf("SetFault(%s): %v", f, err)
		}
	}
	s.SetSlow(time.Hour)
	hung := make(chan error, 3)
	for range 3 {
		go func() { hung <- call() }()
	}
	// Wait until the three requests are inside the simulator.
	deadline := time.Now().Add(2 * time.Second)
	for len(s.Requests()) < 4 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(s.Requests()); n != 4 {
		t.Fatalf("%d requests logged, want 4", n)
	}

	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("close: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Close did not return while requests were hanging")
	}
	for range 3 {
		select {
		case err := <-hung:
			if err == nil {
				t.Error("a hanging request got an answer; want the connection closed")
			}
		case <-time.After(3 * time.Second):
			t.Fatal("a hanging request was not released by Close")
		}
	}
	client.CloseIdleConnections()
	waitGoroutines(t, baseline)
}

// TestCloseMounted: mounted in another server, Close still releases hanging
// requests, and later requests are refused.
func TestCloseMounted(t *testing.T) {
	s := New(Options{Secret: testSecret})
	ts := httptest.NewServer(s)
	defer ts.Close()
	if err := s.SetFault(Hang); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+APIPath, nil)
		resp, err := ts.Client().Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	deadline := time.Now().Add(2 * time.Second)
	for len(s.Requests()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("hanging request not released by Close")
	}
	resp, err := ts.Client().Get(ts.URL + APIPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("after Close: status %d, want 503", resp.StatusCode)
	}
}

// TestDownMounted: a mounted simulator that is down drops the connection.
func TestDownMounted(t *testing.T) {
	s := New(Options{Secret: testSecret})
	defer s.Close()
	ts := httptest.NewServer(s)
	defer ts.Close()
	if err := s.SetFault(Down); err != nil {
		t.Fatal(err)
	}
	if _, _, err := get(ts.Client(), ts.URL+APIPath); err == nil {
		t.Error("down simulator answered")
	}
}

package integration

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// TestReloadUnderLoad reloads the config several times while front-ends keep
// joining a meeting and asking whether one runs: every request gets its
// right answer (one whose keep-alive connection the stopping server closed
// unanswered is sent again, as front-ends' HTTP libraries do), the store
// (and the meeting in it) survives every reload, and the pool is still
// polled by one poller at a time afterwards (DESIGN §7).
func TestReloadUnderLoad(t *testing.T) {
	sims := startFleet(t, 2)
	dbPath := filepath.Join(t.TempDir(), "bbb.db")
	config := func(interval string) string {
		return "{" + testHeader + "\tbbb {\n" +
			"\t\tsecrets " + lbSecret + "\n" +
			"\t\tstore sqlite " + dbPath + "\n" +
			"\t\tpoll_interval " + interval + "\n" +
			"\t\tconnect_timeout 1s\n\t\tresponse_timeout 2s\n" +
			"\t}\n}\nhttp://" + lbAddr + " {\n\tbbb\n}\n"
	}
	l := startLB(t, lbConfig{})
	// Take over the config with one whose store file this test knows, so
	// every reload below points at the same store.
	tester := newTester(t)
	tester.InitServer(config("200ms"), "caddyfile")
	l.live = liveStore(t)
	l.addServers(sims)
	l.get(frontEnd.url("create", "name=Reload&meetingID=reload1")).wantSuccess(t, "create")

	var ok, failed, resent atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// Like a front-end's HTTP library, the client sends a request again
	// when its connection died unanswered: the old config's server closes
	// its idle keep-alive connections as it stops, and a request may be on
	// its way on one. Every answer that comes back must be right.
	client := &http.Client{
		Transport: retryDropped{next: loopbackTransport(), resent: &resent},
		Timeout:   5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	t.Cleanup(client.CloseIdleConnections)
	requests := []struct {
		url        string
		wantStatus int
		wantBody   string
	}{
		{frontEnd.url("join", "fullName=U&meetingID=reload1&role=VIEWER"), http.StatusFound, ""},
		{frontEnd.url("isMeetingRunning", "meetingID=reload1"), http.StatusOK, "<returncode>SUCCESS</returncode>"},
		{frontEnd.url("isMeetingRunning", "meetingID=nobody-here"), http.StatusOK, "<running>false</running>"},
	}
	for w := range 4 {
		wg.Go(func() {
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := requests[i%len(requests)]
				if err := check(client, r.url, r.wantStatus, r.wantBody); err != nil {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				ok.Add(1)
			}
		})
	}

	// Reload with a changed poll interval each time, so Caddy really swaps
	// the config: new app provisioned and started, old one stopped.
	for i, interval := range []string{"250ms", "200ms", "250ms", "200ms"} {
		time.Sleep(300 * time.Millisecond)
		tester.InitServer(config(interval), "caddyfile")
		if t.Failed() {
			close(stop)
			wg.Wait()
			t.Fatalf("reload %d failed", i+1)
		}
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()

	if n := failed.Load(); n > 0 {
		t.Errorf("%d of %d requests failed across reloads; first: %v", n, n+ok.Load(), firstFailure.Load())
	}
	t.Logf("%d requests across the reloads, %d sent again after their connection was dropped", ok.Load(), resent.Load())
	if ok.Load() < 100 {
		t.Errorf("only %d requests succeeded: the load did not run", ok.Load())
	}

	// The meeting is still bound after the reloads: the store was kept.
	l.live = liveStore(t)
	if _, err := l.live.Meeting(t.Context(), "", "reload1"); err != nil {
		t.Fatalf("meeting after the reloads: %v", err)
	}

	// One poller polls: over 1.5s at 200ms a server gets about 8 getMeetings;
	// a poller left running by an old config would double that.
	for _, sim := range sims {
		sim.ClearRequests()
	}
	time.Sleep(1500 * time.Millisecond)
	for i, sim := range sims {
		if n := len(sim.RequestsFor("getMeetings")); n > 11 || n < 4 {
			t.Errorf("server %d got %d getMeetings in 1.5s at a 200ms interval, want about 8", i, n)
		}
	}
}

// check sends a GET and compares the answer with what is expected.
func check(client *http.Client, rawURL string, wantStatus int, wantBody string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != wantStatus || !strings.Contains(string(body), wantBody) {
		return fmt.Errorf("GET %s: status %d, body %.200s", rawURL, resp.StatusCode, body)
	}
	return nil
}

// liveStore returns the live store of the running config's bbb app.
func liveStore(t *testing.T) store.Live {
	t.Helper()
	v, err := activeContext(t).App("bbb")
	if err != nil {
		t.Fatalf("bbb app of the running config: %v", err)
	}
	app, ok := v.(*module.App)
	if !ok || app.Live() == nil {
		t.Fatalf("bbb app of the running config is %T without a live store", v)
	}
	return app.Live()
}

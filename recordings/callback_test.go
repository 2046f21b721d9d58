package recordings

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// readyReceiver is an application's recording-ready endpoint: it verifies
// the JWT with its secret and answers with the next status of a script.
type readyReceiver struct {
	t       *testing.T
	alg     string
	secret  string
	mu      sync.Mutex
	script  []int // statuses for verified requests, the last repeated
	valid   []map[string]any
	invalid int
}

func (rr *readyReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		rr.t.Errorf("callback %s with %q", r.Method, r.Header.Get("Content-Type"))
	}
	claims, err := bbb.VerifyJWT(r.PostFormValue("signed_parameters"), rr.alg, []string{rr.secret}, time.Now())
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if err != nil {
		rr.invalid++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rr.valid = append(rr.valid, claims)
	status := rr.script[min(len(rr.valid), len(rr.script))-1]
	w.WriteHeader(status)
}

func (rr *readyReceiver) counts() (valid, invalid int) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return len(rr.valid), rr.invalid
}

func TestRecordingReadyCallback(t *testing.T) {
	tests := []struct {
		name          string
		tenant        string
		tenantSecrets []string // nil: no such tenant
		lbSecrets     []string
		hs512         bool
		receiverKey   string
		script        []int
		wantValid     int // verified requests in the end
		wantInvalid   int
	}{
		{name: "accepted at once", lbSecrets: []string{"lb-1"}, receiverKey: "lb-1",
			script: []int{200}, wantValid: 1},
		{name: "retried after a 500", lbSecrets: []string{"lb-1"}, receiverKey: "lb-1",
			script: []int{500, 500, 204}, wantValid: 3},
		{name: "stopped by a 410", lbSecrets: []string{"lb-1"}, receiverKey: "lb-1",
			script: []int{410, 200}, wantValid: 1},
		{name: "stopped by a 404", lbSecrets: []string{"lb-1"}, receiverKey: "lb-1",
			script: []int{404, 200}, wantValid: 1},
		{name: "redirect is a failure", lbSecrets: []string{"lb-1"}, receiverKey: "lb-1",
			script: []int{302, 200}, wantValid: 2},
		{name: "gives up after the attempts", lbSecrets: []string{"lb-1"}, receiverKey: "lb-1",
			script: []int{503}, wantValid: 4},
		{name: "tenant secrets in turn", tenant: "t1", tenantSecrets: []string{"old", "current"}, lbSecrets: []string{"lb-1"},
			receiverKey: "current", script: []int{200}, wantValid: 1, wantInvalid: 1},
		{name: "each secret on each retry", tenant: "t1", tenantSecrets: []string{"old", "current"}, lbSecrets: []string{"lb-1"},
			receiverKey: "current", script: []int{500, 200}, wantValid: 2, wantInvalid: 2},
		{name: "unknown tenant falls back to LB secrets", tenant: "gone", lbSecrets: []string{"lb-1"}, receiverKey: "lb-1",
			script: []int{200}, wantValid: 1},
		{name: "HS512", lbSecrets: []string{"lb-1"}, hs512: true, receiverKey: "lb-1", script: []int{200}, wantValid: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newImportEnv(t, "", nil)
			ctx := context.Background()
			alg := bbb.HS256
			if tc.hs512 {
				alg = bbb.HS512
			}
			rr := &readyReceiver{t: t, alg: alg, secret: tc.receiverKey, script: tc.script}
			srv := httptest.NewServer(rr)
			t.Cleanup(srv.Close)
			if tc.tenantSecrets != nil {
				if err := e.db.AddTenant(ctx, store.Tenant{ID: tc.tenant, Name: "acme", Secrets: tc.tenantSecrets}); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.db.PutCallback(ctx, store.CallbackData{Tenant: tc.tenant, MeetingID: "room-1", RecordingReadyURL: srv.URL + "/ready?key=app-secret"}); err != nil {
				t.Fatal(err)
			}
			n := NewNotifier(NotifierConfig{Secrets: tc.lbSecrets, HS512: tc.hs512, Attempts: 4, Backoff: 5 * time.Millisecond, Timeout: 2 * time.Second},
				e.db, e.db, zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel+1)))
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { defer close(done); n.Run(runCtx) }()
			t.Cleanup(func() { stop(); <-done })

			n.RecordingReady(tc.tenant, "room-1", "rec-1")
			// Backoff 5, 10, 20 ms: everything is over well within a second.
			if !waitUntil(5*time.Second, func() bool {
				v, _ := rr.counts()
				return v >= tc.wantValid && n.Pending() == 0
			}) {
				v, i := rr.counts()
				t.Fatalf("verified %d, refused %d, pending %d; want %d verified", v, i, n.Pending(), tc.wantValid)
			}
			time.Sleep(100 * time.Millisecond) // nothing more may come
			valid, invalid := rr.counts()
			if valid != tc.wantValid || invalid != tc.wantInvalid {
				t.Errorf("verified %d, refused %d; want %d, %d", valid, invalid, tc.wantValid, tc.wantInvalid)
			}
			rr.mu.Lock()
			defer rr.mu.Unlock()
			for _, c := range rr.valid {
				if c["meeting_id"] != "room-1" || c["record_id"] != "rec-1" || len(c) != 2 {
					t.Errorf("claims %v", c)
				}
			}
		})
	}
}

// TestImportFiresCallback imports a recording of a meeting that asked for a
// recording-ready callback; the running importer sends it, signed with the
// tenant's secret.
func TestImportFiresCallback(t *testing.T) {
	e := newImportEnv(t, "", nil)
	ctx := context.Background()
	rr := &readyReceiver{t: t, alg: bbb.HS256, secret: "tenant-secret", script: []int{200}}
	srv := httptest.NewServer(rr)
	t.Cleanup(srv.Close)
	if err := e.db.AddTenant(ctx, store.Tenant{ID: "t1", Name: "acme", Secrets: []string{"tenant-secret"}}); err != nil {
		t.Fatal(err)
	}
	rec := simRecording("cb-1")
	rec.Meta = bbb.Metadata{{Key: "tenant-id", Value: "t1"}}
	if err := e.db.PutCallback(ctx, store.CallbackData{Tenant: "t1", MeetingID: rec.MeetingID, RecordingReadyURL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	// A meeting without a callback: nothing is sent for it.
	e.writeTar(simRecording("no-cb-1"))
	e.writeTar(rec)
	e.run()
	if !waitUntil(5*time.Second, func() bool { v, _ := rr.counts(); return v == 1 }) {
		t.Fatal("no callback received")
	}
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if got := rr.valid[0]; got["meeting_id"] != rec.MeetingID || got["record_id"] != "cb-1" {
		t.Errorf("claims %v", got)
	}
	if rr.invalid != 0 {
		t.Errorf("%d callbacks with a wrong signature", rr.invalid)
	}
	if !waitUntil(5*time.Second, func() bool { return len(e.spoolNames()) == 0 }) {
		t.Errorf("spool keeps %v", e.spoolNames())
	}
}

package recordings

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
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

// startReceiver serves a readyReceiver and returns it with its URL.
func startReceiver(t *testing.T, alg, secret string, script []int) (*readyReceiver, string) {
	t.Helper()
	rr := &readyReceiver{t: t, alg: alg, secret: secret, script: script}
	srv := httptest.NewServer(rr)
	t.Cleanup(srv.Close)
	return rr, srv.URL
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
		wantOutcomes  []CallbackOutcome // reported to OnOutcome, in order
	}{
		{name: "accepted at once", lbSecrets: []string{"lb-1"}, receiverKey: "lb-1",
			script: []int{200}, wantValid: 1, wantOutcomes: []CallbackOutcome{CallbackSent}},
		{name: "retried after a 500", lbSecrets: []string{"lb-1"}, receiverKey: "lb-1",
			script: []int{500, 500, 204}, wantValid: 3,
			wantOutcomes: []CallbackOutcome{CallbackRetried, CallbackRetried, CallbackSent}},
		{name: "stopped by a 410", lbSecrets: []string{"lb-1"}, receiverKey: "lb-1",
			script: []int{410, 200}, wantValid: 1, wantOutcomes: []CallbackOutcome{CallbackRefused}},
		{name: "stopped by a 404", lbSecrets: []string{"lb-1"}, receiverKey: "lb-1",
			script: []int{404, 200}, wantValid: 1, wantOutcomes: []CallbackOutcome{CallbackRefused}},
		{name: "redirect is a failure", lbSecrets: []string{"lb-1"}, receiverKey: "lb-1",
			script: []int{302, 200}, wantValid: 2, wantOutcomes: []CallbackOutcome{CallbackRetried, CallbackSent}},
		{name: "gives up after the attempts", lbSecrets: []string{"lb-1"}, receiverKey: "lb-1",
			script: []int{503}, wantValid: 4,
			wantOutcomes: []CallbackOutcome{CallbackRetried, CallbackRetried, CallbackRetried, CallbackGaveUp}},
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
			var outcomesMu sync.Mutex
			var outcomes []CallbackOutcome
			onOutcome := func(o CallbackOutcome) {
				outcomesMu.Lock()
				defer outcomesMu.Unlock()
				outcomes = append(outcomes, o)
			}
			n := NewNotifier(NotifierConfig{Secrets: tc.lbSecrets, HS512: tc.hs512, Attempts: 4, Backoff: 5 * time.Millisecond,
				Timeout: 2 * time.Second, OnOutcome: onOutcome},
				e.db, e.db, zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel+1)))
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { defer close(done); n.Run(runCtx) }()
			t.Cleanup(func() { stop(); <-done })

			if err := n.RecordingReady(ctx, tc.tenant, "room-1", "rec-1"); err != nil {
				t.Fatal(err)
			}
			// Imported again before it was sent: still one callback.
			if err := n.RecordingReady(ctx, tc.tenant, "room-1", "rec-1"); err != nil {
				t.Fatal(err)
			}
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
			if tc.wantOutcomes != nil {
				outcomesMu.Lock()
				got := slices.Clone(outcomes)
				outcomesMu.Unlock()
				if !slices.Equal(got, tc.wantOutcomes) {
					t.Errorf("outcomes %v, want %v", got, tc.wantOutcomes)
				}
			}
			// Sent, refused or given up: nothing is left for a restart.
			if left, err := e.db.ReadyCallbacks(ctx); err != nil || len(left) != 0 {
				t.Errorf("stored callbacks after the last attempt = %+v, %v; want none", left, err)
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

// TestRecordingReadyCallbackSurvivesRestart stops a notifier while the
// application is down and starts a new one on the same store: the callback
// is sent once the application is back, with its attempts counted on.
func TestRecordingReadyCallbackSurvivesRestart(t *testing.T) {
	e := newImportEnv(t, "", nil)
	ctx := context.Background()
	rr, url := startReceiver(t, bbb.HS256, "lb-1", []int{503, 200})
	if err := e.db.PutCallback(ctx, store.CallbackData{MeetingID: "room-1", RecordingReadyURL: url}); err != nil {
		t.Fatal(err)
	}
	cfg := NotifierConfig{Secrets: []string{"lb-1"}, Attempts: 5, Backoff: time.Hour, Timeout: 2 * time.Second}
	logger := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel+1))
	start := func(n *Notifier) (stop func()) {
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); n.Run(runCtx) }()
		return func() { cancel(); <-done }
	}

	first := NewNotifier(cfg, e.db, e.db, logger)
	stopFirst := start(first)
	if err := first.RecordingReady(ctx, "", "room-1", "rec-1"); err != nil {
		t.Fatal(err)
	}
	// The first attempt fails (503); the retry is an hour away.
	var stored []store.ReadyCallback
	if !waitUntil(5*time.Second, func() bool {
		stored, _ = e.db.ReadyCallbacks(ctx)
		return len(stored) == 1 && stored[0].Attempts == 1
	}) {
		t.Fatalf("stored callbacks after a failed attempt = %+v; want rec-1 with 1 attempt", stored)
	}
	if c := stored[0]; c.RecordID != "rec-1" || c.MeetingID != "room-1" || c.Tenant != "" || time.Until(c.Due) < 50*time.Minute {
		t.Errorf("stored callback %+v; want rec-1 of room-1 due in about an hour", c)
	}
	stopFirst()

	// A new process: nothing is queued until Resume. Make the retry due
	// now, as if the hour had passed.
	stored[0].Due = time.Now()
	if err := e.db.PutReadyCallback(ctx, stored[0]); err != nil {
		t.Fatal(err)
	}
	second := NewNotifier(cfg, e.db, e.db, logger)
	t.Cleanup(start(second))
	if n, err := second.Resume(ctx); err != nil || n != 1 {
		t.Fatalf("Resume = %d, %v; want 1", n, err)
	}
	if n, err := second.Resume(ctx); err != nil || n != 0 {
		t.Errorf("second Resume = %d, %v; want 0 (already queued)", n, err)
	}
	if !waitUntil(5*time.Second, func() bool { v, _ := rr.counts(); return v == 2 && second.Pending() == 0 }) {
		v, _ := rr.counts()
		t.Fatalf("callbacks received %d, pending %d; want 2 and 0", v, second.Pending())
	}
	if left, err := e.db.ReadyCallbacks(ctx); err != nil || len(left) != 0 {
		t.Errorf("stored callbacks after delivery = %+v, %v; want none", left, err)
	}
}

// TestImporterResumesCallbacks: a callback left in the store by an earlier
// process is sent when the importer takes the lease.
func TestImporterResumesCallbacks(t *testing.T) {
	e := newImportEnv(t, "", nil)
	ctx := context.Background()
	rr, url := startReceiver(t, bbb.HS256, "lb-secret", []int{200})
	if err := e.db.PutCallback(ctx, store.CallbackData{MeetingID: "room-9", RecordingReadyURL: url}); err != nil {
		t.Fatal(err)
	}
	left := store.ReadyCallback{RecordID: "rec-9", MeetingID: "room-9", Attempts: 2, Due: time.Now().Add(-time.Minute)}
	if err := e.db.PutReadyCallback(ctx, left); err != nil {
		t.Fatal(err)
	}
	e.run()
	if !waitUntil(5*time.Second, func() bool { v, _ := rr.counts(); return v == 1 }) {
		t.Fatal("the stored callback was not sent")
	}
	rr.mu.Lock()
	got := rr.valid[0]
	rr.mu.Unlock()
	if got["record_id"] != "rec-9" || got["meeting_id"] != "room-9" {
		t.Errorf("claims %v", got)
	}
	if !waitUntil(5*time.Second, func() bool { l, err := e.db.ReadyCallbacks(ctx); return err == nil && len(l) == 0 }) {
		t.Error("the sent callback is still stored")
	}
}

// TestImportFiresCallback imports a recording of a meeting that asked for a
// recording-ready callback; the running importer sends it, signed with the
// tenant's secret.
func TestImportFiresCallback(t *testing.T) {
	e := newImportEnv(t, "", nil)
	ctx := context.Background()
	rr, url := startReceiver(t, bbb.HS256, "tenant-secret", []int{200})
	if err := e.db.AddTenant(ctx, store.Tenant{ID: "t1", Name: "acme", Secrets: []string{"tenant-secret"}}); err != nil {
		t.Fatal(err)
	}
	rec := simRecording("cb-1")
	rec.Meta = bbb.Metadata{{Key: "tenant-id", Value: "t1"}}
	if err := e.db.PutCallback(ctx, store.CallbackData{Tenant: "t1", MeetingID: rec.MeetingID, RecordingReadyURL: url}); err != nil {
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

package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/storetest"
)

// deadlineSlack is how far past its context's deadline a failing call may
// return: scheduling under -race, not a retry or a hang.
const deadlineSlack = 750 * time.Millisecond

// TestRedisRestart runs a store against a private redis-server under a light
// load while the server is paused, killed and started again on the same
// socket: calls fail with wrapped errors within their deadline and never
// panic, and afterwards the same Store works again, data and all.
func TestRedisRestart(t *testing.T) {
	r := storetest.StartPrivateRedis(t)
	ctx := testContext(t)
	s, err := Open(r.URL(), "")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	must(t, "Migrate", s.Migrate(ctx))
	must(t, "AddServer", s.AddServer(ctx, store.Server{ID: "bbb1", URL: "u", Secret: "s", State: store.StateEnabled, Online: true, LoadMultiplier: 1}))
	m1 := store.Meeting{ID: "m1", ServerID: "bbb1", CreatedAt: time.Now()}
	if _, _, err := s.BindMeeting(ctx, m1, []string{"1001"}); err != nil {
		t.Fatalf("BindMeeting: %v", err)
	}

	load := startLoad(s, 4)
	defer load.stop()

	t.Run("paused", func(t *testing.T) {
		r.Pause()
		defer r.Resume()
		checkCallsFail(t, s, 300*time.Millisecond, 300*time.Millisecond+deadlineSlack)
	})
	waitUp(t, s)

	r.Kill()
	// A refused connection fails well before the deadline: one dial per
	// command attempt, not go-redis's default five.
	t.Run("down", func(t *testing.T) { checkCallsFail(t, s, 3*time.Second, time.Second) })

	r.Start()
	waitUp(t, s)
	load.restarted.Store(true)

	// The script cache went with the old process; calls fall back to EVAL.
	// meetingByBridgeScript is one the load does not run.
	if loaded, err := meetingByBridgeScript.Exists(ctx, s.rdb).Result(); err != nil || len(loaded) != 1 || loaded[0] {
		t.Errorf("script cache after restart = %v, %v; want the script missing", loaded, err)
	}
	if got, err := s.MeetingByVoiceBridge(ctx, "1001"); err != nil || got.ID != "m1" {
		t.Errorf("MeetingByVoiceBridge after restart = %+v, %v; want m1", got, err)
	}
	if got, srv, err := s.MeetingServer(ctx, "", "m1"); err != nil || got.VoiceBridge != "1001" || srv.ID != "bbb1" {
		t.Errorf("MeetingServer after restart = %+v, %+v, %v; want m1 on bbb1", got, srv, err)
	}
	if _, _, err := s.BindMeeting(ctx, store.Meeting{ID: "after", ServerID: "bbb1"}, []string{"1001"}); !errors.Is(err, store.ErrNoVoiceBridge) {
		t.Errorf("BindMeeting on m1's bridge after restart: error = %v, want ErrNoVoiceBridge", err)
	}
	if _, created, err := s.BindMeeting(ctx, store.Meeting{ID: "after", ServerID: "bbb1"}, []string{"1002"}); err != nil || !created {
		t.Errorf("BindMeeting after restart = %v, %v; want a new binding", created, err)
	}
	if _, err := s.UpdateServer(ctx, "bbb1", func(x *store.Server) error { x.Users = 7; return nil }); err != nil {
		t.Errorf("UpdateServer after restart: %v", err)
	}
	if ok, err := s.AcquireLease(ctx, "poller", "node-a", time.Minute); err != nil || !ok {
		t.Errorf("AcquireLease after restart = %v, %v; want true", ok, err)
	}

	time.Sleep(50 * time.Millisecond) // let the load run against the new server
	st := load.stop()
	if st.panics > 0 {
		t.Errorf("%d calls of the load panicked", st.panics)
	}
	if st.late > 0 {
		t.Errorf("%d calls of the load returned later than their deadline + %v", st.late, deadlineSlack)
	}
	if st.okAfterRestart == 0 {
		t.Errorf("no call of the load succeeded after the restart (%d calls, %d failed)", st.calls, st.failed)
	}
}

// checkCallsFail runs one of each kind of call with the given timeout and
// checks that each fails with a wrapped error within maxElapsed, without
// panicking.
func checkCallsFail(t *testing.T, s *Store, timeout, maxElapsed time.Duration) {
	t.Helper()
	calls := []struct {
		name string
		run  func(ctx context.Context) error
	}{
		{"Ping", s.Ping},
		{"Servers", func(ctx context.Context) error { _, err := s.Servers(ctx); return err }},
		{"Server", func(ctx context.Context) error { _, err := s.Server(ctx, "bbb1"); return err }},
		{"PlaceableServers", func(ctx context.Context) error { _, err := s.PlaceableServers(ctx); return err }},
		{"AddServerLoad", func(ctx context.Context) error { return s.AddServerLoad(ctx, "bbb1", 1) }},
		{"UpdateServer", func(ctx context.Context) error {
			_, err := s.UpdateServer(ctx, "bbb1", func(x *store.Server) error { x.Meetings++; return nil })
			return err
		}},
		{"BindMeeting", func(ctx context.Context) error {
			_, _, err := s.BindMeeting(ctx, store.Meeting{ID: "outage", ServerID: "bbb1"}, []string{"9999"})
			return err
		}},
		{"MeetingServer", func(ctx context.Context) error { _, _, err := s.MeetingServer(ctx, "", "m1"); return err }},
		{"Meetings", func(ctx context.Context) error {
			_, err := s.Meetings(ctx, store.MeetingFilter{AnyTenant: true})
			return err
		}},
		{"SyncServerMeetings", func(ctx context.Context) error {
			_, err := s.SyncServerMeetings(ctx, "bbb1", time.Unix(0, 0), []store.MeetingStats{{ID: "m1"}})
			return err
		}},
		{"TenantByName", func(ctx context.Context) error { _, err := s.TenantByName(ctx, "acme"); return err }},
		{"ConsumeToken", func(ctx context.Context) error { _, err := s.ConsumeToken(ctx, "tok"); return err }},
		{"AcquireLease", func(ctx context.Context) error {
			_, err := s.AcquireLease(ctx, "poller", "node-a", time.Minute)
			return err
		}},
		{"LoadOrStoreValue", func(ctx context.Context) error { _, err := s.LoadOrStoreValue(ctx, "k", "v"); return err }},
	}
	// Concurrently, as a busy node would make them; each is timed alone.
	type result struct {
		elapsed  time.Duration
		panicked any
		err      error
	}
	results := make([]result, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Go(func() {
			r := &results[i]
			r.elapsed, r.panicked, r.err = timedCall(c.run, timeout)
		})
	}
	wg.Wait()
	for i, c := range calls {
		elapsed, panicked, err := results[i].elapsed, results[i].panicked, results[i].err
		switch {
		case panicked != nil:
			t.Errorf("%s panicked: %v", c.name, panicked)
		case err == nil:
			t.Errorf("%s succeeded with Redis unavailable", c.name)
		case errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNoVoiceBridge):
			t.Errorf("%s error = %v, want a backend error, not a store result", c.name, err)
		case !strings.HasPrefix(err.Error(), "redis: "):
			t.Errorf("%s error = %q, want it wrapped with context", c.name, err)
		}
		if elapsed > maxElapsed {
			t.Errorf("%s took %v with a %v deadline, want at most %v", c.name, elapsed, timeout, maxElapsed)
		}
	}
}

// timedCall runs fn under a fresh timeout and reports its error, how long it
// took and what it panicked with, if it did.
func timedCall(fn func(context.Context) error, timeout time.Duration) (elapsed time.Duration, panicked any, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	defer func() {
		elapsed = time.Since(start)
		panicked = recover()
	}()
	err = fn(ctx)
	return 0, nil, err
}

// waitUp waits, bounded, until the store reaches Redis again.
func waitUp(t *testing.T, s *Store) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		err := s.Ping(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("store does not reach Redis again: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// load keeps a few goroutines calling the hot-path methods, each call under
// a short deadline, until stopped.
type load struct {
	restarted atomic.Bool
	done      chan struct{}
	wg        sync.WaitGroup
	once      sync.Once

	calls, failed, late, panics, okAfterRestart atomic.Int64
}

type loadStats struct {
	calls, failed, late, panics, okAfterRestart int64
}

const loadCallTimeout = 300 * time.Millisecond

func startLoad(s *Store, workers int) *load {
	l := &load{done: make(chan struct{})}
	for w := range workers {
		l.wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-l.done:
					return
				case <-time.After(5 * time.Millisecond):
				}
				l.call(s, w, i)
			}
		})
	}
	return l
}

func (l *load) call(s *Store, worker, i int) {
	ops := []func(context.Context) error{
		func(ctx context.Context) error { _, _, err := s.MeetingServer(ctx, "", "m1"); return err },
		func(ctx context.Context) error { return s.AddServerLoad(ctx, "bbb1", 1) },
		func(ctx context.Context) error {
			m := store.Meeting{ID: fmt.Sprintf("load-%d-%d", worker, i), ServerID: "bbb1", CreatedAt: time.Now()}
			_, _, err := s.BindMeeting(ctx, m, []string{fmt.Sprintf("%d%06d", worker+1, i)})
			return err
		},
		func(ctx context.Context) error { _, err := s.PlaceableServers(ctx); return err },
	}
	elapsed, panicked, err := timedCall(ops[i%len(ops)], loadCallTimeout)
	l.calls.Add(1)
	switch {
	case panicked != nil:
		l.panics.Add(1)
	case err != nil:
		l.failed.Add(1)
	case l.restarted.Load():
		l.okAfterRestart.Add(1)
	}
	if elapsed > loadCallTimeout+deadlineSlack {
		l.late.Add(1)
	}
}

// stop ends the load, waits for it and returns its figures.
func (l *load) stop() loadStats {
	l.once.Do(func() { close(l.done) })
	l.wg.Wait()
	return loadStats{
		calls: l.calls.Load(), failed: l.failed.Load(), late: l.late.Load(),
		panics: l.panics.Load(), okAfterRestart: l.okAfterRestart.Load(),
	}
}

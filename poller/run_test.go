package poller_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/poller"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// countingStore counts cycles (each starts by listing the servers) and can
// make the first few of them panic.
type countingStore struct {
	store.Live
	cycles    atomic.Int64
	panicLeft atomic.Int64
}

func (s *countingStore) Servers(ctx context.Context) ([]store.Server, error) {
	if s.panicLeft.Add(-1) >= 0 {
		panic("injected panic")
	}
	s.cycles.Add(1)
	return s.Live.Servers(ctx)
}

// concurrencyProbe serves a simulator and records the most getMeetings calls
// it had in flight at once: with one server, more than one means two cycles
// ran at the same time.
type concurrencyProbe struct {
	sim      *bbbsim.Sim
	inflight atomic.Int64
	most     atomic.Int64
	url      string
}

func newConcurrencyProbe(t *testing.T, slow time.Duration) *concurrencyProbe {
	t.Helper()
	p := &concurrencyProbe{sim: bbbsim.New(bbbsim.Options{Secret: "probe-secret", Version: testVersion})}
	p.sim.SetSlow(slow)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == bbbsim.APIPath+"/getMeetings" {
			n := p.inflight.Add(1)
			defer p.inflight.Add(-1)
			for {
				m := p.most.Load()
				if n <= m || p.most.CompareAndSwap(m, n) {
					break
				}
			}
		}
		p.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		p.sim.Close()
		srv.Close()
	})
	p.url = srv.URL + bbbsim.APIPath
	return p
}

func (p *concurrencyProbe) register(t *testing.T, live store.Live) {
	t.Helper()
	if err := live.AddServer(testContext(t), store.Server{ID: "probe", URL: p.url, Secret: p.sim.Secret(),
		State: store.StateEnabled, LoadMultiplier: 1}); err != nil {
		t.Fatal(err)
	}
}

// runLoop starts p.Run and returns a function that cancels it and reports
// how long Run took to return.
func runLoop(t *testing.T, p *poller.Poller) (stop func() time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx)
	}()
	var once sync.Once
	var took time.Duration
	stop = func() time.Duration {
		once.Do(func() {
			start := time.Now()
			cancel()
			select {
			case <-done:
				took = time.Since(start)
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return within 10s of cancel")
			}
		})
		return took
	}
	t.Cleanup(func() { stop() })
	return stop
}

func TestRunStopsPromptlyAndReleasesLease(t *testing.T) {
	tests := []struct {
		name string
		// hang makes the server hang, so cancel comes in mid-cycle.
		hang bool
	}{
		{name: "between cycles"},
		{name: "during a cycle", hang: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := &countingStore{Live: newSQLite(t)}
			sim := newSim(t, "bbb1")
			addServer(t, live, "bbb1", sim, store.StateEnabled, false)
			if tt.hang {
				setFault(t, sim, bbbsim.Hang)
			}
			p := newPoller(t, live, poller.Config{Interval: time.Hour, ResponseTimeout: 10 * time.Second})
			stop := runLoop(t, p)
			eventually(t, 5*time.Second, "the first cycle", func() bool {
				if tt.hang {
					return len(sim.RequestsFor("getMeetings")) == 1
				}
				return server(t, live, "bbb1").Online
			})
			if took := stop(); took > time.Second {
				t.Errorf("Run took %s to return after cancel", took)
			}
			held, err := live.AcquireLease(testContext(t), poller.LeaseName, "someone-else", time.Minute)
			if err != nil || !held {
				t.Errorf("lease not released when Run returned: held %v, %v", held, err)
			}
			if live.cycles.Load() != 1 {
				t.Errorf("%d cycles within an interval of an hour, want 1", live.cycles.Load())
			}
		})
	}
}

func TestRunRecoversFromPanic(t *testing.T) {
	live := &countingStore{Live: newSQLite(t)}
	live.panicLeft.Store(2)
	sim := newSim(t, "bbb1")
	addServer(t, live, "bbb1", sim, store.StateEnabled, false)
	p := newPoller(t, live, poller.Config{Interval: 20 * time.Millisecond})
	stop := runLoop(t, p)
	eventually(t, 5*time.Second, "a cycle after two panics", func() bool {
		return server(t, live, "bbb1").Online
	})
	stop()
	if live.panicLeft.Load() >= 0 {
		t.Error("the injected panics did not happen")
	}
}

func TestPollNowWithLeaseElsewhere(t *testing.T) {
	live := newSQLite(t)
	sim := newSim(t, "bbb1")
	addServer(t, live, "bbb1", sim, store.StateEnabled, false)
	p := newPoller(t, live, poller.Config{})
	ctx := testContext(t)

	if held, err := live.AcquireLease(ctx, poller.LeaseName, "other-node", time.Minute); err != nil || !held {
		t.Fatalf("take lease: %v %v", held, err)
	}
	if _, err := p.PollNow(ctx); !errors.Is(err, poller.ErrLeaseHeld) {
		t.Fatalf("PollNow with the lease elsewhere: %v, want ErrLeaseHeld", err)
	}
	if n := len(sim.Requests()); n != 0 {
		t.Errorf("PollNow without the lease sent %d requests", n)
	}

	if err := live.ReleaseLease(ctx, poller.LeaseName, "other-node"); err != nil {
		t.Fatal(err)
	}
	sum, err := p.PollNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Polled != 1 || len(sum.WentOnline) != 1 {
		t.Errorf("summary %+v, want one server polled and online", sum)
	}
	// PollNow gave the lease back: the loop of this Poller does not hold it.
	if held, err := live.AcquireLease(ctx, poller.LeaseName, "other-node", time.Minute); err != nil || !held {
		t.Errorf("lease kept after PollNow: held %v, %v", held, err)
	}
}

func TestPollNowSerializedWithLoop(t *testing.T) {
	live := newSQLite(t)
	probe := newConcurrencyProbe(t, 50*time.Millisecond)
	probe.register(t, live)
	p := newPoller(t, live, poller.Config{Interval: 10 * time.Millisecond})
	stop := runLoop(t, p)

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 3 {
				if _, err := p.PollNow(testContext(t)); err != nil {
					t.Errorf("PollNow: %v", err)
				}
			}
		})
	}
	wg.Wait()
	stop()
	if n := len(probe.sim.RequestsFor("getMeetings")); n < 12 {
		t.Errorf("%d getMeetings for 12 PollNow calls and the loop", n)
	}
	if m := probe.most.Load(); m != 1 {
		t.Errorf("%d cycles ran at once, want 1", m)
	}
}

// TestOnCycleSeesEverySummary: the hook gets the summary of every cycle,
// PollOnce's and PollNow's alike, exactly as the caller does.
func TestOnCycleSeesEverySummary(t *testing.T) {
	live := newSQLite(t)
	up, down := newSim(t, "up"), newSim(t, "down")
	addServer(t, live, "up", up, store.StateEnabled, false)
	addServer(t, live, "down", down, store.StateEnabled, true)
	setFault(t, down, bbbsim.Down)
	var mu sync.Mutex
	var seen []poller.Summary
	p := newPoller(t, live, poller.Config{UnhealthyThreshold: 1, OnCycle: func(s poller.Summary, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			t.Errorf("cycle error %v", err)
		}
		seen = append(seen, s)
	}})
	first := pollOnce(t, p)
	second, err := p.PollNow(testContext(t))
	if err != nil {
		t.Fatalf("PollNow: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || !reflect.DeepEqual(seen[0], first) || !reflect.DeepEqual(seen[1], second) {
		t.Fatalf("OnCycle saw %+v; want the two summaries %+v and %+v", seen, first, second)
	}
	if !slices.Equal(first.WentOnline, []string{"up"}) || !slices.Equal(first.WentOffline, []string{"down"}) ||
		!slices.Equal(first.Failed, []string{"down"}) || !slices.Equal(second.Failed, []string{"down"}) {
		t.Errorf("first cycle %+v, second %+v; want up online, down offline and failing", first, second)
	}
}

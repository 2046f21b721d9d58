package poller_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/poller"
	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/sqlite"
)

// testVersion is what every simulator reports as its BBB version.
const testVersion = "3.0.9"

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newSQLite returns a migrated SQLite store in the test's temp dir.
func newSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "bbb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(testContext(t)); err != nil {
		t.Fatal(err)
	}
	return st
}

// newSim starts a simulated BBB server on loopback.
func newSim(t *testing.T, id string) *bbbsim.Sim {
	t.Helper()
	sim := bbbsim.New(bbbsim.Options{Secret: "secret-of-" + id, Version: testVersion})
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim
}

// addServer registers sim in live as server id.
func addServer(t *testing.T, live store.Live, id string, sim *bbbsim.Sim, state store.ServerState, online bool) {
	t.Helper()
	err := live.AddServer(testContext(t), store.Server{
		ID: id, URL: sim.URL(), Secret: sim.Secret(), State: state, Online: online, LoadMultiplier: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// newClient returns a BBB client with short timeouts, closed after the test.
func newClient(t *testing.T, connect, response time.Duration) *bbb.Client {
	t.Helper()
	c := bbb.NewClient(bbb.ClientConfig{ConnectTimeout: connect, ResponseTimeout: response})
	t.Cleanup(c.Close)
	return c
}

// newPoller returns a Poller with test timeouts and the given thresholds.
func newPoller(t *testing.T, live store.Live, cfg poller.Config) *poller.Poller {
	t.Helper()
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = time.Second
	}
	if cfg.ResponseTimeout == 0 {
		cfg.ResponseTimeout = 2 * time.Second
	}
	return poller.New(live, newClient(t, cfg.ConnectTimeout, cfg.ResponseTimeout), cfg, zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel)))
}

func pollOnce(t *testing.T, p *poller.Poller) poller.Summary {
	t.Helper()
	sum, err := p.PollOnce(testContext(t))
	if err != nil {
		t.Fatalf("PollOnce: %v", err)
	}
	return sum
}

func server(t *testing.T, live store.Live, id string) store.Server {
	t.Helper()
	s, err := live.Server(testContext(t), id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// bind binds a meeting to a server in the store, as create would.
func bind(t *testing.T, live store.Live, serverID, tenant, id string, created time.Time) {
	t.Helper()
	_, ok, err := live.BindMeeting(testContext(t), store.Meeting{
		Tenant: tenant, ID: id, ServerID: serverID, CreatedAt: created, ExpectedLoad: 15,
	}, []string{"vb-" + tenant + "-" + id})
	if err != nil || !ok {
		t.Fatalf("bind %s/%s: created %v, %v", tenant, id, ok, err)
	}
}

// bindings returns the ids of the meetings bound to a server.
func bindings(t *testing.T, live store.Live, serverID string) map[string]store.Meeting {
	t.Helper()
	ms, err := live.Meetings(testContext(t), store.MeetingFilter{AnyTenant: true, ServerID: serverID})
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]store.Meeting, len(ms))
	for _, m := range ms {
		out[m.Tenant+"/"+m.ID] = m
	}
	return out
}

// addMeeting adds a running meeting to a simulator.
func addMeeting(t *testing.T, sim *bbbsim.Sim, m bbb.Meeting, participants, moderators, videos int) {
	t.Helper()
	if _, err := sim.AddMeeting(m); err != nil {
		t.Fatal(err)
	}
	if err := sim.SetUsers(m.MeetingID, participants, moderators, videos); err != nil {
		t.Fatal(err)
	}
}

func setFault(t *testing.T, sim *bbbsim.Sim, f bbbsim.Fault) {
	t.Helper()
	if err := sim.SetFault(f); err != nil {
		t.Fatal(err)
	}
}

// eventually waits up to d for cond, checking every few milliseconds.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

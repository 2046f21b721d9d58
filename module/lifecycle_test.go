package module

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/store"
)

func TestStartRunsThePollerAndStopEndsIt(t *testing.T) {
	sim := bbbsim.New(bbbsim.Options{Secret: "simsecret"})
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })

	path := filepath.Join(t.TempDir(), "bbb.db")
	app := mustProvision(t, `{"poll_interval": "50ms", "store": {"sqlite": {"path": `+jsonString(path)+`}}}`)
	if err := app.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	ctx := t.Context()
	if err := app.Live().AddServer(ctx, store.Server{ID: "sim1", URL: sim.URL(), Secret: "simsecret", State: store.StateEnabled, LoadMultiplier: 1}); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := app.Live().Server(ctx, "sim1")
		if err != nil {
			t.Fatal(err)
		}
		if s.Online {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the app's poller did not bring the server online within 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}

	stopped := time.Now()
	if err := app.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if d := time.Since(stopped); d > 2*time.Second {
		t.Errorf("stop took %s", d)
	}
	// After Stop no cycle runs any more: the simulator sees no new calls.
	sim.ClearRequests()
	time.Sleep(200 * time.Millisecond)
	if n := len(sim.Requests()); n != 0 {
		t.Errorf("%d requests reached the server after Stop", n)
	}
}

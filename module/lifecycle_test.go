package module

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// eventually polls cond every 20ms until it holds or 5s have passed.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStartRunsTheBackgroundWorkAndStopEndsIt(t *testing.T) {
	sim := bbbsim.New(bbbsim.Options{Secret: "simsecret"})
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })

	dir := t.TempDir()
	raw := `{"poll_interval": "50ms", "store": {"sqlite": {"path": ` + jsonString(filepath.Join(dir, "bbb.db")) + `}},
		"recordings": {"spool_dir": ` + jsonString(filepath.Join(dir, "spool")) + `, "work_dir": ` + jsonString(filepath.Join(dir, "work")) + `,
		"publish_dir": ` + jsonString(filepath.Join(dir, "published")) + `, "unpublish_dir": ` + jsonString(filepath.Join(dir, "unpublished")) + `}}`
	app := mustProvision(t, raw)
	if app.Poller() == nil || app.Importer() == nil {
		t.Fatal("the app has no poller or no importer")
	}
	if err := app.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	ctx := t.Context()

	// The poller brings an enabled server online.
	if err := app.Live().AddServer(ctx, store.Server{ID: "sim1", URL: sim.URL(), Secret: "simsecret", State: store.StateEnabled, LoadMultiplier: 1}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "poller brings the server online", func() bool {
		s, err := app.Live().Server(ctx, "sim1")
		return err == nil && s.Online
	})

	// The importer picks up a recording that lands in the spool.
	rec := bbbsim.Recording{RecordID: "0123456789abcdef0123456789abcdef01234567-1700000000000", MeetingID: "room1", Name: "Room 1",
		Start: time.Now().Add(-time.Hour), End: time.Now(), Formats: []string{"presentation"}}
	name, err := bbbsim.WriteRecordingTar(filepath.Join(dir, "spool"), rec)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "importer imports "+name, func() bool {
		rs, _, err := app.RecordingStore().QueryRecordings(ctx, store.RecordingQuery{MeetingIDs: []string{"room1"}})
		return err == nil && len(rs) == 1
	})

	stopped := time.Now()
	if err := app.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if d := time.Since(stopped); d > 2*time.Second {
		t.Errorf("stop took %s", d)
	}
	// After Stop no poll runs any more: the simulator sees no new calls.
	sim.ClearRequests()
	time.Sleep(200 * time.Millisecond)
	if n := len(sim.Requests()); n != 0 {
		t.Errorf("%d requests reached the server after Stop", n)
	}
}

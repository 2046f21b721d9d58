package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// storedLoad reads a server's load as written to the file, without the
// pending increments of the store that wrote it.
func storedLoad(t *testing.T, s *Store, id string) float64 {
	t.Helper()
	var load float64
	if err := s.reader.QueryRowContext(t.Context(), `SELECT load FROM servers WHERE id = ?`, id).Scan(&load); err != nil {
		t.Fatal(err)
	}
	return load
}

func TestPendingLoads(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "bbb.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	online := store.Server{ID: "on", URL: "http://a/bigbluebutton/api", Secret: "x", State: store.StateEnabled, Online: true, LoadMultiplier: 1, Load: 10}
	offline := store.Server{ID: "off", URL: "http://b/bigbluebutton/api", Secret: "x", State: store.StateEnabled, LoadMultiplier: 1}
	for _, srv := range []store.Server{online, offline} {
		if err := s.AddServer(ctx, srv); err != nil {
			t.Fatal(err)
		}
	}

	// Increments in quick succession stay in memory, yet every read sees them.
	for range 3 {
		if err := s.AddServerLoad(ctx, "on", 1); err != nil {
			t.Fatal(err)
		}
		if err := s.AddServerLoad(ctx, "off", 1); err != nil {
			t.Fatal(err)
		}
	}
	if got := storedLoad(t, s, "on"); got != 10 {
		t.Errorf("written load %v right after the increments, want 10 (not flushed yet)", got)
	}
	srv, err := s.Server(ctx, "on")
	if err != nil || srv.Load != 13 {
		t.Errorf("Server load = %v, %v; want 13", srv.Load, err)
	}
	if srv, _ := s.Server(ctx, "off"); srv.Load != 0 {
		t.Errorf("offline server's load = %v, want 0", srv.Load)
	}
	placeable, err := s.PlaceableServers(ctx)
	if err != nil || len(placeable) != 1 || placeable[0].Load != 13 {
		t.Errorf("PlaceableServers = %+v, %v; want on with load 13", placeable, err)
	}

	// UpdateServer's function sees the increments.
	if _, err := s.UpdateServer(ctx, "on", func(srv *store.Server) error {
		if srv.Load != 13 {
			t.Errorf("UpdateServer sees load %v, want 13", srv.Load)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := storedLoad(t, s, "on"); got != 13 {
		t.Errorf("written load after UpdateServer = %v, want 13", got)
	}

	// An increment after loadFlushEvery writes everything pending.
	if err := s.AddServerLoad(ctx, "on", 2); err != nil {
		t.Fatal(err)
	}
	time.Sleep(loadFlushEvery + 20*time.Millisecond)
	if err := s.AddServerLoad(ctx, "on", 1); err != nil {
		t.Fatal(err)
	}
	if got := storedLoad(t, s, "on"); got != 16 {
		t.Errorf("written load after a due flush = %v, want 16", got)
	}

	// Close writes what is left: a store opened afterwards reads it.
	if err := s.AddServerLoad(ctx, "on", 4); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	again := openMigrated(t, path)
	if srv, err := again.Server(ctx, "on"); err != nil || srv.Load != 20 {
		t.Errorf("load after close and reopen = %v, %v; want 20", srv.Load, err)
	}
	if srv, _ := again.Server(ctx, "off"); srv.Load != 0 {
		t.Errorf("offline server's load after reopen = %v, want 0", srv.Load)
	}
}

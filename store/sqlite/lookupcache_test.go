package sqlite

import (
	"errors"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// TestLookupCacheFollowsWrites checks that a cached MeetingServer answer,
// found or not, never outlives a write that changes it.
func TestLookupCacheFollowsWrites(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	srv := store.Server{ID: "bbb1", URL: "http://a/bigbluebutton/api", Secret: "x", State: store.StateEnabled, Online: true, LoadMultiplier: 1}
	if err := s.AddServer(ctx, srv); err != nil {
		t.Fatal(err)
	}
	lookup := func() (store.Meeting, store.Server, error) { return s.MeetingServer(ctx, "", "room1") }

	// A miss is cached, and a bind ends it.
	for range 2 {
		if _, _, err := lookup(); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("before the bind: err = %v, want ErrNotFound", err)
		}
	}
	if _, _, err := s.BindMeeting(ctx, store.Meeting{ID: "room1", ServerID: "bbb1", CreatedAt: time.Now()}, []string{"12345"}); err != nil {
		t.Fatal(err)
	}
	if m, _, err := lookup(); err != nil || m.VoiceBridge != "12345" {
		t.Fatalf("after the bind: %+v, %v", m, err)
	}

	// A server change shows at once.
	if _, err := s.UpdateServer(ctx, "bbb1", func(s *store.Server) error { s.URL = "http://b/bigbluebutton/api"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, got, err := lookup(); err != nil || got.URL != "http://b/bigbluebutton/api" {
		t.Fatalf("after the server update: url %q, %v", got.URL, err)
	}

	// Live figures from a poll show at once.
	if _, err := s.SyncServerMeetings(ctx, "bbb1", time.Now(), []store.MeetingStats{{ID: "room1", Participants: 7}}); err != nil {
		t.Fatal(err)
	}
	if m, _, err := lookup(); err != nil || m.Participants != 7 {
		t.Fatalf("after the sync: participants %d, %v", m.Participants, err)
	}

	// Load, pending or written, is always exact.
	for range 5 {
		if err := s.AddServerLoad(ctx, "bbb1", 1); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(loadFlushEvery + 20*time.Millisecond)
	if err := s.AddServerLoad(ctx, "bbb1", 1); err != nil { // due: writes all six
		t.Fatal(err)
	}
	if _, got, err := lookup(); err != nil || got.Load != 6 {
		t.Fatalf("after the flush: load %v, %v; want 6", got.Load, err)
	}

	// An end ends the cached hit.
	if _, err := s.DeleteMeeting(ctx, "", "room1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := lookup(); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after the end: err = %v, want ErrNotFound", err)
	}
}

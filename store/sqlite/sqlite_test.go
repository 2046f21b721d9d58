package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/storetest"
)

func openMigrated(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func newStore(t *testing.T) *Store {
	return openMigrated(t, filepath.Join(t.TempDir(), "bbb.db"))
}

func TestLive(t *testing.T) {
	storetest.RunLive(t, func(t *testing.T) store.Live { return newStore(t) })
}

func TestRecordings(t *testing.T) {
	storetest.RunRecordings(t, func(t *testing.T) store.Recordings { return newStore(t) })
}

func TestOpenDoesNotCreateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "bbb.db")
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open created %s (stat error %v); want nothing before Migrate", filepath.Dir(path), err)
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("Migrate did not create the database file: %v", err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("database file mode = %v, want 0600 (it holds secrets)", perm)
	}
}

func TestOpenRejects(t *testing.T) {
	for _, path := range []string{"", "/tmp/a?b.db", "/tmp/a#b.db"} {
		if _, err := Open(path); err == nil {
			t.Errorf("Open(%q) = nil error, want one", path)
		}
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	want, err := migrations()
	if err != nil {
		t.Fatalf("migrations: %v", err)
	}
	if v, err := s.schemaVersion(ctx); err != nil || v != len(want) {
		t.Fatalf("schema version = %d, %v; want %d", v, err, len(want))
	}
	if err := s.AddServer(ctx, store.Server{ID: "bbb1", URL: "u", Secret: "s", State: store.StateEnabled}); err != nil {
		t.Fatalf("AddServer: %v", err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if v, err := s.schemaVersion(ctx); err != nil || v != len(want) {
		t.Errorf("schema version after a second Migrate = %d, %v; want %d", v, err, len(want))
	}
	var rows int
	if err := s.reader.QueryRowContext(ctx, `SELECT count(*) FROM schema_version`).Scan(&rows); err != nil || rows != len(want) {
		t.Errorf("schema_version has %d rows, %v; want %d (one per migration)", rows, err, len(want))
	}
	if _, err := s.Server(ctx, "bbb1"); err != nil {
		t.Errorf("data lost by a second Migrate: %v", err)
	}
}

func TestMigrateConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bbb.db")
	const n = 4
	stores := make([]*Store, n)
	for i := range stores {
		s, err := Open(path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() { errs[i] = s.Migrate(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate #%d: %v", i, err)
		}
	}
	want, _ := migrations()
	if v, err := stores[0].schemaVersion(t.Context()); err != nil || v != len(want) {
		t.Errorf("schema version = %d, %v; want %d", v, err, len(want))
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	if _, err := s.writer.ExecContext(ctx, `INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', 0)`); err != nil {
		t.Fatalf("insert: %v", err)
	}
	if err := s.Migrate(ctx); err == nil {
		t.Errorf("Migrate on a newer schema = nil, want an error")
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "bbb.db")
	first, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := first.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	created := time.Unix(1700000000, 123456789)
	if err := first.AddServer(ctx, store.Server{ID: "bbb1", URL: "u", Secret: "s", State: store.StateEnabled, Online: true}); err != nil {
		t.Fatalf("AddServer: %v", err)
	}
	if _, _, err := first.BindMeeting(ctx, store.Meeting{ID: "m", ServerID: "bbb1", CreatedAt: created}, []string{"123"}); err != nil {
		t.Fatalf("BindMeeting: %v", err)
	}
	if _, err := first.UpsertRecording(ctx, store.Recording{RecordID: "rec", MeetingID: "m", State: "published"}); err != nil {
		t.Fatalf("UpsertRecording: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	second := openMigrated(t, path)
	m, err := second.Meeting(ctx, "", "m")
	if err != nil || m.VoiceBridge != "123" || !m.CreatedAt.Equal(created) {
		t.Errorf("meeting after reopen = %+v, %v; want bridge 123 created %v", m, err, created)
	}
	if _, err := second.Server(ctx, "bbb1"); err != nil {
		t.Errorf("server after reopen: %v", err)
	}
	if _, err := second.Recording(ctx, "rec"); err != nil {
		t.Errorf("recording after reopen: %v", err)
	}
}

func TestCanceledContext(t *testing.T) {
	s := newStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Servers(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Servers with a canceled context: error = %v, want context.Canceled", err)
	}
	if err := s.AddServer(ctx, store.Server{ID: "x"}); !errors.Is(err, context.Canceled) {
		t.Errorf("AddServer with a canceled context: error = %v, want context.Canceled", err)
	}
}

func TestMetaMatch(t *testing.T) {
	tests := []struct {
		in, op, arg string
	}{
		{"abc", "=", "abc"},
		{"a%b", "=", "a%b"},
		{"abc%", "GLOB", "abc*"},
		{"%abc", "GLOB", "*abc"},
		{"%a*b?[c]%", "GLOB", "*a[*]b[?][[]c]*"},
		{"%", "GLOB", "*"},
		{"%%", "GLOB", "**"},
	}
	for _, tc := range tests {
		op, arg := metaMatch(tc.in)
		if op != tc.op || arg != tc.arg {
			t.Errorf("metaMatch(%q) = %q, %q; want %q, %q", tc.in, op, arg, tc.op, tc.arg)
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		bounded bool
	}{
		{"abc", "abd", true},
		{"ab\xff", "ac", true},
		{"\xff\xff", "", false},
	}
	for _, tc := range tests {
		got, ok := prefixEnd(tc.in)
		if got != tc.want || ok != tc.bounded {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.bounded)
		}
	}
}

// TestRecordingCounts checks that the totals answered from recording_counts
// agree with counting the rows, after every kind of change to recordings.
func TestRecordingCounts(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	for i, r := range []store.Recording{
		{RecordID: "a", MeetingID: "m", State: "published", Metadata: map[string]string{"tenant-id": "t1"}},
		{RecordID: "b", MeetingID: "m", State: "unpublished", Metadata: map[string]string{"tenant-id": "t1"}},
		{RecordID: "c", MeetingID: "m", State: "published"},
		{RecordID: "d", MeetingID: "m", State: "processing"},
		{RecordID: "e", MeetingID: "m", State: "published", Metadata: map[string]string{"tenant-id": "t2"}},
	} {
		r.StartTime = time.UnixMilli(int64(1700000000000 + i))
		if _, err := s.UpsertRecording(ctx, r); err != nil {
			t.Fatalf("UpsertRecording: %v", err)
		}
	}
	changes := []struct {
		name string
		do   func() error
	}{
		{"none", func() error { return nil }},
		{"re-import with another state and tenant", func() error {
			_, err := s.UpsertRecording(ctx, store.Recording{RecordID: "c", MeetingID: "m", State: "processed",
				Metadata: map[string]string{"tenant-id": "t2"}})
			return err
		}},
		{"unpublish", func() error { return s.SetPublished(ctx, []string{"a", "e"}, false) }},
		{"delete", func() error { return s.MarkDeleted(ctx, []string{"b"}) }},
		{"move tenant by metadata", func() error {
			return s.UpdateMetadata(ctx, []string{"a", "d"}, map[string]string{"tenant-id": "t3"})
		}},
		{"drop tenant by metadata", func() error {
			return s.UpdateMetadata(ctx, []string{"e"}, map[string]string{"tenant-id": ""})
		}},
		{"assign tenant", func() error { _, err := s.AssignTenant(ctx, "t4", "four"); return err }},
	}
	queries := []store.RecordingQuery{
		{}, {States: []string{"any"}}, {States: []string{"published"}}, {States: []string{"deleted", "processed"}},
		{Tenant: "t1"}, {Tenant: "t2", States: []string{"any"}}, {Tenant: "t3"}, {Tenant: "t4", States: []string{"any"}},
	}
	for _, ch := range changes {
		if err := ch.do(); err != nil {
			t.Fatalf("%s: %v", ch.name, err)
		}
		for _, q := range queries {
			_, total, err := s.QueryRecordings(ctx, q)
			if err != nil {
				t.Fatalf("after %s: QueryRecordings(%+v): %v", ch.name, q, err)
			}
			where, args := recordingFilter(q)
			var want int
			if err := s.reader.QueryRowContext(ctx, `SELECT count(*) FROM recordings r`+where, args...).Scan(&want); err != nil {
				t.Fatalf("count: %v", err)
			}
			if total != want {
				t.Errorf("after %s: QueryRecordings(%+v) total = %d, counting rows gives %d", ch.name, q, total, want)
			}
		}
	}
}

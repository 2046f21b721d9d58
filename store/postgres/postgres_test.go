package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/storetest"
)

// Each test gets a database of its own on the test server, created from
// template0 and dropped at cleanup. That costs a few tens of milliseconds, in
// exchange the tests share nothing and Migrate runs against a truly empty
// database every time.

func TestRecordings(t *testing.T) {
	storetest.RunRecordings(t, func(t *testing.T) store.Recordings {
		return newTestStore(t)
	})
}

// newTestStore returns a migrated Store on a fresh database.
func newTestStore(t *testing.T) *Store {
	t.Helper()
	s := openTestStore(t, newTestDatabase(t))
	if err := s.Migrate(testContext(t)); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func openTestStore(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newTestDatabase creates an empty database on the test server and returns
// its DSN; the database is dropped when the test ends.
func newTestDatabase(t *testing.T) string {
	t.Helper()
	admin := storetest.PostgresDSN(t)
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "bbbtest_" + hex.EncodeToString(b[:])

	ctx := testContext(t)
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to the test server: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		// The test's own context is gone by now.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop database: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database: %v", err)
		}
	})
	dsn, err := withDatabase(admin, name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// withDatabase returns dsn pointed at another database.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	// In key=value form the last setting of a key wins.
	return dsn + " dbname=" + name, nil
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestMigrateConcurrent(t *testing.T) {
	dsn := newTestDatabase(t)
	const nodes = 8
	stores := make([]*Store, nodes)
	for i := range stores {
		stores[i] = openTestStore(t, dsn)
	}
	ctx := testContext(t)
	errs := make([]error, nodes)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() {
			<-start
			errs[i] = s.Migrate(ctx)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d Migrate: %v", i, err)
		}
	}

	steps, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	// Once more on a migrated schema: nothing to do, nothing recorded twice.
	if err := stores[0].Migrate(ctx); err != nil {
		t.Fatalf("Migrate on a migrated schema: %v", err)
	}
	var rows, latest int
	if err := stores[0].pool.QueryRow(ctx, "SELECT count(*), max(version) FROM bbb_schema_migrations").Scan(&rows, &latest); err != nil {
		t.Fatalf("read versions: %v", err)
	}
	if rows != len(steps) || latest != steps[len(steps)-1].Version {
		t.Errorf("bbb_schema_migrations has %d rows up to version %d, want %d up to %d",
			rows, latest, len(steps), steps[len(steps)-1].Version)
	}
	// The schema works from every node.
	r := store.Recording{RecordID: "r1", MeetingID: "m", State: "published", StartTime: time.Now()}
	if _, err := stores[nodes-1].UpsertRecording(ctx, r); err != nil {
		t.Fatalf("UpsertRecording after concurrent Migrate: %v", err)
	}
	if _, err := stores[0].Recording(ctx, "r1"); err != nil {
		t.Errorf("Recording from another node: %v", err)
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	s := newTestStore(t)
	ctx := testContext(t)
	if _, err := s.pool.Exec(ctx, "INSERT INTO bbb_schema_migrations (version, name) VALUES (9999, '9999_future.sql')"); err != nil {
		t.Fatal(err)
	}
	err := s.Migrate(ctx)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Migrate on a newer schema = %v, want an error saying it is newer", err)
	}
}

func TestOpenDoesNotConnect(t *testing.T) {
	// Nothing listens there: Open must still succeed, and calls fail cleanly.
	s, err := Open("host=" + t.TempDir() + " user=nobody password=hunter2 dbname=none sslmode=disable connect_timeout=2")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	calls := map[string]func() error{
		"Ping":    func() error { return s.Ping(ctx) },
		"Migrate": func() error { return s.Migrate(ctx) },
		"Recording": func() error {
			_, err := s.Recording(ctx, "r")
			return err
		},
	}
	for name, call := range calls {
		err := call()
		if err == nil || errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s without a server = %v, want a connection error", name, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "postgres: ") || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s error %q: want it prefixed with postgres: and without the password", name, err)
		}
	}
}

func TestOpenBadDSN(t *testing.T) {
	_, err := Open("postgres://user:hunter2@host:notaport/db")
	if err == nil {
		t.Fatal("Open accepted a DSN with a bad port")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Open error shows the password: %v", err)
	}
}

func TestMetaPattern(t *testing.T) {
	tests := []struct {
		in        string
		want      string
		wantExact bool
	}{
		{"math-101", "math-101", true},
		{"50%_off", "50%_off", true}, // inner % is literal: compared exactly
		{"math%", "math%", false},
		{"%-101", "%-101", false},
		{"%th-%", "%th-%", false},
		{"%", "%", false},
		{"%%", "%%", false},
		{"5_%", `5\_%`, false},
		{`%a\b%`, `%a\\b%`, false},
		{"%50%_off", `%50\%\_off`, false},
		{"", "", true},
	}
	for _, tc := range tests {
		got, exact := metaPattern(tc.in)
		if got != tc.want || exact != tc.wantExact {
			t.Errorf("metaPattern(%q) = %q, %v; want %q, %v", tc.in, got, exact, tc.want, tc.wantExact)
		}
	}
}

// TestQueryUsesEveryFilter checks that each kind of filter narrows a query
// on its own and that combined filters are ANDed, with a tenant and a meta
// filter on tenant-id kept apart (they are different subqueries).
func TestQueryCombinedFilters(t *testing.T) {
	s := newTestStore(t)
	ctx := testContext(t)
	base := time.Date(2025, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	for i, spec := range []struct{ id, meeting, tenant, course string }{
		{"a-1", "m1", "t1", "bio"},
		{"a-2", "m1", "t2", "bio"},
		{"b-1", "m2", "t1", "math"},
		{"b-2", "m2", "t1", "bio"},
	} {
		r := store.Recording{
			RecordID: spec.id, MeetingID: spec.meeting, State: "published", Published: true,
			StartTime: base.Add(time.Duration(i) * time.Minute),
			Metadata:  map[string]string{"tenant-id": spec.tenant, "course": spec.course},
		}
		if _, err := s.UpsertRecording(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		q    store.RecordingQuery
		want []string
	}{
		{"all filters", store.RecordingQuery{MeetingIDs: []string{"m2"}, RecordIDs: []string{"b"}, Tenant: "t1",
			Meta: map[string]string{"course": "bi%", "tenant-id": "t1"}}, []string{"b-2"}},
		{"tenant and meta tenant disagree", store.RecordingQuery{Tenant: "t1", Meta: map[string]string{"tenant-id": "t2"}}, nil},
		{"prefix and meeting", store.RecordingQuery{MeetingIDs: []string{"m1"}, RecordIDs: []string{"b-"}}, nil},
		{"two prefixes page", store.RecordingQuery{RecordIDs: []string{"a-", "b-2"}, Limit: 2}, []string{"b-2", "a-2"}},
	}
	for _, tc := range tests {
		got, total, err := s.QueryRecordings(ctx, tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.RecordID)
		}
		if strings.Join(ids, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s = %v, want %v", tc.name, ids, tc.want)
		}
		if tc.q.Limit == 0 && total != len(tc.want) {
			t.Errorf("%s total = %d, want %d", tc.name, total, len(tc.want))
		}
	}
}

// TestLongMetadataValues checks that values longer than the indexed part
// import and filter correctly: a b-tree cannot index a whole value of a few
// kilobytes, so the index holds the first 256 characters.
func TestLongMetadataValues(t *testing.T) {
	s := newTestStore(t)
	ctx := testContext(t)
	head := strings.Repeat("ä", 300) // past the indexed part, in characters and bytes
	long := head + strings.Repeat("x", 5000)
	values := map[string]string{"long": long, "sibling": head + "y", "short": "ab"}
	for id, v := range values {
		r := store.Recording{RecordID: id, MeetingID: "m", State: "published", StartTime: time.Now(),
			Metadata: map[string]string{"desc": v}}
		if _, err := s.UpsertRecording(ctx, r); err != nil {
			t.Fatalf("UpsertRecording with a %d-byte value: %v", len(v), err)
		}
	}
	if got, err := s.Recording(ctx, "long"); err != nil || got.Metadata["desc"] != long {
		t.Fatalf("Recording(long) came back changed (%d bytes), %v", len(got.Metadata["desc"]), err)
	}
	tests := []struct {
		name, filter string
		want         []string
	}{
		{"exact long", long, []string{"long"}},
		{"exact long sibling", head + "y", []string{"sibling"}},
		{"exact head only", head, nil},
		{"prefix past the indexed part", head + "x%", []string{"long"}},
		{"prefix within the indexed part", head[:20] + "%", []string{"long", "sibling"}},
		{"suffix past the indexed part", "%xxxx", []string{"long"}},
		{"short exact", "ab", []string{"short"}},
		{"short prefix", "a%", []string{"short"}},
	}
	for _, tc := range tests {
		got, _, err := s.QueryRecordings(ctx, store.RecordingQuery{Meta: map[string]string{"desc": tc.filter}})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.RecordID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, ids, tc.want)
		}
	}
}

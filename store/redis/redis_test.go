package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/storetest"
)

// testContext bounds the calls of one test.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newTestStore opens a migrated store on the Redis at url under a key prefix
// of its own, and deletes every key under it when the test ends.
func newTestStore(t *testing.T, url string) *Store {
	t.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	s, err := Open(url, "bbbtest:"+hex.EncodeToString(b)+":")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		// t.Context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if keys := allKeys(ctx, t, s.rdb, s.prefix+"*"); len(keys) > 0 {
			if err := s.rdb.Del(ctx, keys...).Err(); err != nil {
				t.Errorf("delete test keys: %v", err)
			}
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err := s.Migrate(testContext(t)); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func TestLive(t *testing.T) {
	url := storetest.RedisURL(t)
	storetest.RunLive(t, func(t *testing.T) store.Live { return newTestStore(t, url) })
}

// TestPrefixIsolation fills one prefix and checks that a store on another
// prefix of the same Redis sees none of it and can reuse every name.
func TestPrefixIsolation(t *testing.T) {
	url := storetest.RedisURL(t)
	ctx := testContext(t)
	a, b := newTestStore(t, url), newTestStore(t, url)

	srv := store.Server{ID: "bbb1", URL: "https://bbb1/bigbluebutton/api", Secret: "s", State: store.StateEnabled, Online: true, LoadMultiplier: 1}
	must(t, "A AddServer", a.AddServer(ctx, srv))
	m := store.Meeting{Tenant: "t1", ID: "room", ServerID: "bbb1", CreatedAt: time.Now()}
	if _, _, err := a.BindMeeting(ctx, m, []string{"111"}); err != nil {
		t.Fatalf("A BindMeeting: %v", err)
	}
	tenant := store.Tenant{ID: "t1", Name: "acme", Secrets: []string{"x"}}
	must(t, "A AddTenant", a.AddTenant(ctx, tenant))
	must(t, "A SetTenantSettings", a.SetTenantSettings(ctx, "t1", []store.TenantSetting{{Param: "record", Value: "true"}}))
	must(t, "A PutToken", a.PutToken(ctx, "tok", store.Token{RecordID: "r", Format: "f"}, time.Minute))
	if ok, err := a.AcquireLease(ctx, "poller", "node-a", time.Minute); err != nil || !ok {
		t.Fatalf("A AcquireLease = %v, %v", ok, err)
	}
	if v, err := a.LoadOrStoreValue(ctx, "cookie", "from-a"); err != nil || v != "from-a" {
		t.Fatalf("A LoadOrStoreValue = %q, %v", v, err)
	}

	// B sees nothing of A.
	checks := []struct {
		name string
		run  func() error
	}{
		{"Server", func() error { _, err := b.Server(ctx, "bbb1"); return err }},
		{"Meeting", func() error { _, err := b.Meeting(ctx, "t1", "room"); return err }},
		{"MeetingServer", func() error { _, _, err := b.MeetingServer(ctx, "t1", "room"); return err }},
		{"MeetingByVoiceBridge", func() error { _, err := b.MeetingByVoiceBridge(ctx, "111"); return err }},
		{"Tenant", func() error { _, err := b.Tenant(ctx, "t1"); return err }},
		{"TenantByName", func() error { _, err := b.TenantByName(ctx, "acme"); return err }},
		{"ConsumeToken", func() error { _, err := b.ConsumeToken(ctx, "tok"); return err }},
		{"DeleteMeeting", func() error { _, err := b.DeleteMeeting(ctx, "t1", "room"); return err }},
	}
	for _, c := range checks {
		if err := c.run(); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("B %s: error = %v, want ErrNotFound", c.name, err)
		}
	}
	servers, err := b.Servers(ctx)
	if err != nil || len(servers) != 0 {
		t.Errorf("B Servers = %v, %v; want none", servers, err)
	}
	placeable, err := b.PlaceableServers(ctx)
	if err != nil || len(placeable) != 0 {
		t.Errorf("B PlaceableServers = %v, %v; want none", placeable, err)
	}
	meetings, err := b.Meetings(ctx, store.MeetingFilter{AnyTenant: true})
	if err != nil || len(meetings) != 0 {
		t.Errorf("B Meetings = %v, %v; want none", meetings, err)
	}
	tenants, err := b.Tenants(ctx)
	if err != nil || len(tenants) != 0 {
		t.Errorf("B Tenants = %v, %v; want none", tenants, err)
	}
	if settings, err := b.TenantSettings(ctx, "t1"); err != nil || len(settings) != 0 {
		t.Errorf("B TenantSettings = %v, %v; want none", settings, err)
	}

	// B can take every name A uses.
	must(t, "B AddServer of A's id", b.AddServer(ctx, srv))
	if got, created, err := b.BindMeeting(ctx, m, []string{"111"}); err != nil || !created || got.VoiceBridge != "111" {
		t.Errorf("B BindMeeting with A's bridge = %q, %v, %v; want 111, true", got.VoiceBridge, created, err)
	}
	must(t, "B AddTenant of A's name", b.AddTenant(ctx, tenant))
	if ok, err := b.AcquireLease(ctx, "poller", "node-b", time.Minute); err != nil || !ok {
		t.Errorf("B AcquireLease of A's lease = %v, %v; want true", ok, err)
	}
	if v, err := b.LoadOrStoreValue(ctx, "cookie", "from-b"); err != nil || v != "from-b" {
		t.Errorf("B LoadOrStoreValue = %q, %v; want from-b", v, err)
	}
	if _, err := b.DeleteServer(ctx, "bbb1"); err != nil {
		t.Errorf("B DeleteServer: %v", err)
	}

	// A is untouched by all of it.
	if got, gotSrv, err := a.MeetingServer(ctx, "t1", "room"); err != nil || got.VoiceBridge != "111" || gotSrv.ID != "bbb1" {
		t.Errorf("A MeetingServer after B's changes = %+v, %+v, %v", got, gotSrv, err)
	}
	if tok, err := a.ConsumeToken(ctx, "tok"); err != nil || tok.RecordID != "r" {
		t.Errorf("A ConsumeToken = %+v, %v", tok, err)
	}
	if v, err := a.LoadOrStoreValue(ctx, "cookie", "late"); err != nil || v != "from-a" {
		t.Errorf("A LoadOrStoreValue = %q, %v; want from-a", v, err)
	}
	if settings, err := a.TenantSettings(ctx, "t1"); err != nil || len(settings) != 1 {
		t.Errorf("A TenantSettings = %v, %v; want the one setting", settings, err)
	}
}

// TestKeyLayout checks on a Redis of the test's own that every key lies
// under the default prefix and that removing what was added leaves no index
// entry or voice bridge behind.
func TestKeyLayout(t *testing.T) {
	r := storetest.StartPrivateRedis(t)
	ctx := testContext(t)
	s, err := Open(r.URL(), "")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if s.Prefix() != DefaultKeyPrefix {
		t.Fatalf("Prefix() = %q, want %q", s.Prefix(), DefaultKeyPrefix)
	}
	must(t, "Migrate", s.Migrate(ctx))

	for _, id := range []string{"bbb1", "bbb2"} {
		must(t, "AddServer", s.AddServer(ctx, store.Server{ID: id, State: store.StateEnabled, Online: true, LoadMultiplier: 1}))
	}
	// Tenant and meeting ids with the separator in them.
	for i, k := range [][2]string{{"", "a:b"}, {"a", "b"}, {"a:b", ""}, {"t:", ":x"}} {
		m := store.Meeting{Tenant: k[0], ID: k[1], ServerID: fmt.Sprintf("bbb%d", i%2+1), CreatedAt: time.Unix(0, int64(i))}
		if _, created, err := s.BindMeeting(ctx, m, []string{fmt.Sprint(100 + i)}); err != nil || !created {
			t.Fatalf("BindMeeting(%q, %q) = %v, %v; want a new binding", k[0], k[1], created, err)
		}
	}
	all, err := s.Meetings(ctx, store.MeetingFilter{AnyTenant: true})
	if err != nil || len(all) != 4 {
		t.Fatalf("Meetings = %d bindings, %v; want 4 distinct ones", len(all), err)
	}
	must(t, "AddServerLoad", s.AddServerLoad(ctx, "bbb1", 3))
	must(t, "AddTenant", s.AddTenant(ctx, store.Tenant{ID: "t1", Name: "acme", Secrets: []string{"x"}}))
	must(t, "SetTenantSettings", s.SetTenantSettings(ctx, "t1", []store.TenantSetting{{Param: "p", Value: "v"}}))
	must(t, "PutToken", s.PutToken(ctx, "tok", store.Token{RecordID: "r"}, time.Minute))
	if _, err := s.AcquireLease(ctx, "poller", "me", time.Minute); err != nil {
		t.Fatalf("AcquireLease: %v", err)
	}
	if _, err := s.LoadOrStoreValue(ctx, "cookie", "v"); err != nil {
		t.Fatalf("LoadOrStoreValue: %v", err)
	}

	keys := allKeys(ctx, t, s.rdb, "*")
	for _, k := range keys {
		if !strings.HasPrefix(k, DefaultKeyPrefix) {
			t.Errorf("key %q is not under the prefix %q", k, DefaultKeyPrefix)
		}
	}
	for _, want := range []string{"schema", "servers", "placeable", "meetings", "tenant-names", "server:bbb1", "bridge:100", "meeting:0::a:b", "meeting:3:a:b:"} {
		if !slices.Contains(keys, DefaultKeyPrefix+want) {
			t.Errorf("key %q missing; keys: %v", DefaultKeyPrefix+want, keys)
		}
	}

	// Take everything away again.
	if _, err := s.DeleteMeeting(ctx, "", "a:b"); err != nil {
		t.Fatalf("DeleteMeeting: %v", err)
	}
	if _, err := s.SyncServerMeetings(ctx, "bbb2", time.Now(), nil); err != nil {
		t.Fatalf("SyncServerMeetings: %v", err)
	}
	for _, id := range []string{"bbb1", "bbb2"} {
		if _, err := s.DeleteServer(ctx, id); err != nil {
			t.Fatalf("DeleteServer(%s): %v", id, err)
		}
	}
	must(t, "DeleteTenant", s.DeleteTenant(ctx, "t1"))
	if _, err := s.ConsumeToken(ctx, "tok"); err != nil {
		t.Fatalf("ConsumeToken: %v", err)
	}
	must(t, "ReleaseLease", s.ReleaseLease(ctx, "poller", "me"))

	left := allKeys(ctx, t, s.rdb, "*")
	slices.Sort(left)
	if want := []string{DefaultKeyPrefix + "schema", DefaultKeyPrefix + "value:cookie"}; !slices.Equal(left, want) {
		t.Errorf("keys left after removing everything = %v, want %v", left, want)
	}
}

func TestOpen(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		prefix  string
		want    string // prefix, when Open succeeds
		wantErr string
	}{
		{"tcp with default prefix", "redis://localhost:6379/0", "", DefaultKeyPrefix, ""},
		{"unix socket", "unix:///run/redis/redis.sock?db=2", "lb1:", "lb1:", ""},
		{"tls", "rediss://:pw@redis.example.com:6380/1", "x:", "x:", ""},
		{"empty", "", "", "", "empty URL"},
		{"bad scheme", "http://:hunter2@localhost:6379", "", "", "invalid URL scheme"},
		{"bad database", "redis://:hunter2@localhost/x", "", "", "invalid database"},
		{"unparsable", "redis://:hunter2@local host/0", "", "", "invalid URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(tc.url, tc.prefix)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Open error = %v, want one containing %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("Open error %q shows the password", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			if s.Prefix() != tc.want {
				t.Errorf("Prefix() = %q, want %q", s.Prefix(), tc.want)
			}
		})
	}
}

// TestOpenDoesNotConnect opens a store on a socket nobody listens on: Open
// succeeds, and the first call fails with a wrapped error.
func TestOpenDoesNotConnect(t *testing.T) {
	s, err := Open("unix://"+t.TempDir()+"/nobody.sock", "")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	err = s.Ping(ctx)
	if err == nil || !strings.HasPrefix(err.Error(), "redis: ping: ") {
		t.Errorf("Ping = %v, want a wrapped connection error", err)
	}
	if err := s.Migrate(ctx); err == nil || !strings.HasPrefix(err.Error(), "redis: migrate: ") {
		t.Errorf("Migrate = %v, want a wrapped connection error", err)
	}
}

func TestMigrate(t *testing.T) {
	url := storetest.RedisURL(t)
	ctx := testContext(t)
	s := newTestStore(t, url)

	// Nodes starting together.
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() { errs[i] = s.Migrate(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Migrate #%d: %v", i, err)
		}
	}
	if v, err := s.rdb.Get(ctx, s.key("schema")).Result(); err != nil || v != fmt.Sprint(schemaVersion) {
		t.Fatalf("schema key = %q, %v; want %d", v, err, schemaVersion)
	}

	tests := []struct {
		stored  string
		wantErr string
	}{
		{fmt.Sprint(schemaVersion), ""},
		{fmt.Sprint(schemaVersion + 1), "newer than this build"},
		{"garbage", "not a number"},
	}
	for _, tc := range tests {
		if err := s.rdb.Set(ctx, s.key("schema"), tc.stored, 0).Err(); err != nil {
			t.Fatalf("set schema: %v", err)
		}
		err := s.Migrate(ctx)
		if tc.wantErr == "" && err != nil {
			t.Errorf("Migrate with layout %q: %v", tc.stored, err)
		}
		if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("Migrate with layout %q = %v, want an error containing %q", tc.stored, err, tc.wantErr)
		}
	}
}

func TestCheckServerVersion(t *testing.T) {
	tests := []struct {
		info    string
		wantErr bool
	}{
		{"# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n", false},
		{"redis_version:6.2.0\r\n", false},
		{"redis_version:10.0.1\r\n", false},
		{"redis_version:6.0.16\r\n", true},
		{"redis_version:5.0.7\r\n", true},
		{"redis_version:seven\r\n", true},
		{"# Server\r\nredis_mode:standalone\r\n", false}, // hidden by a managed service
	}
	for _, tc := range tests {
		err := checkServerVersion(tc.info)
		if (err != nil) != tc.wantErr {
			t.Errorf("checkServerVersion(%q) = %v, want error %v", tc.info, err, tc.wantErr)
		}
	}
}

// TestAddServerLoadPrecision checks that loads added in Lua come out exactly
// as Go's float64 arithmetic would have them, and move the server in the
// placement order.
func TestAddServerLoadPrecision(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t, storetest.RedisURL(t))
	for _, id := range []string{"a", "b"} {
		must(t, "AddServer", s.AddServer(ctx, store.Server{ID: id, State: store.StateEnabled, Online: true, LoadMultiplier: 1, Load: 0.3}))
	}
	want := 0.3
	for _, d := range []float64{0.1, 0.2, 1e-9, 1.0 / 3, 15} {
		must(t, "AddServerLoad", s.AddServerLoad(ctx, "a", d))
		want += d
	}
	got, err := s.Server(ctx, "a")
	if err != nil {
		t.Fatalf("Server: %v", err)
	}
	if got.Load != want {
		t.Errorf("Load = %v, want %v (float64 sum)", got.Load, want)
	}
	placeable, err := s.PlaceableServers(ctx)
	if err != nil || len(placeable) != 2 || placeable[0].ID != "b" {
		t.Errorf("PlaceableServers = %v, %v; want b (0.3) before a (%v)", placeable, err, want)
	}
	// A cordoned server's load still counts, though it is not placeable.
	if _, err := s.UpdateServer(ctx, "b", func(x *store.Server) error { x.State = store.StateCordoned; return nil }); err != nil {
		t.Fatalf("UpdateServer: %v", err)
	}
	must(t, "AddServerLoad", s.AddServerLoad(ctx, "b", 1))
	wantB := 0.3
	wantB++
	if got, err := s.Server(ctx, "b"); err != nil || got.Load != wantB {
		t.Errorf("cordoned server Load = %v, %v; want %v", got.Load, err, wantB)
	}
	if placeable, err := s.PlaceableServers(ctx); err != nil || len(placeable) != 1 || placeable[0].ID != "a" {
		t.Errorf("PlaceableServers after cordon = %v, %v; want only a", placeable, err)
	}
}

// TestSyncCreationOrder checks the poll-start comparison, done in Lua on
// decimal strings, around digit-count changes and before 1970.
func TestSyncCreationOrder(t *testing.T) {
	tests := []struct {
		name        string
		created     time.Time
		pollStarted time.Time
		removed     bool
	}{
		{"fewer digits", time.Unix(0, 999), time.Unix(0, 1000), true},
		{"more digits", time.Unix(0, 1000), time.Unix(0, 999), false},
		{"same instant", time.Unix(0, 1000), time.Unix(0, 1000), false},
		{"one ns before", time.Unix(1700000000, 5), time.Unix(1700000000, 6), true},
		{"one ns after", time.Unix(1700000000, 7), time.Unix(1700000000, 6), false},
		{"negative before positive", time.Unix(0, -5), time.Unix(0, 3), true},
		{"negative before negative", time.Unix(0, -10), time.Unix(0, -5), true},
		{"negative after negative", time.Unix(0, -5), time.Unix(0, -10), false},
		{"zero time is oldest", time.Time{}, time.Unix(0, 1), true},
	}
	ctx := testContext(t)
	s := newTestStore(t, storetest.RedisURL(t))
	must(t, "AddServer", s.AddServer(ctx, store.Server{ID: "bbb1", State: store.StateEnabled, Online: true}))
	for i, tc := range tests {
		m := store.Meeting{ID: tc.name, ServerID: "bbb1", CreatedAt: tc.created}
		if _, _, err := s.BindMeeting(ctx, m, []string{fmt.Sprint(i)}); err != nil {
			t.Fatalf("BindMeeting(%s): %v", tc.name, err)
		}
		removed, err := s.SyncServerMeetings(ctx, "bbb1", tc.pollStarted, nil)
		if err != nil {
			t.Fatalf("SyncServerMeetings(%s): %v", tc.name, err)
		}
		if got := len(removed) == 1; got != tc.removed {
			t.Errorf("%s: removed = %v, want %v", tc.name, got, tc.removed)
		}
		if !tc.removed {
			if _, err := s.DeleteMeeting(ctx, "", tc.name); err != nil {
				t.Fatalf("DeleteMeeting(%s): %v", tc.name, err)
			}
		}
	}
}

func TestUpdateServerKeepsID(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t, storetest.RedisURL(t))
	srv := store.Server{ID: "bbb1", URL: "u", Secret: "s", State: store.StateEnabled, Online: true}
	must(t, "AddServer", s.AddServer(ctx, srv))
	_, err := s.UpdateServer(ctx, "bbb1", func(x *store.Server) error { x.ID, x.URL = "bbb2", "changed"; return nil })
	if err == nil {
		t.Fatal("UpdateServer changing the id succeeded, want an error")
	}
	if got, err := s.Server(ctx, "bbb1"); err != nil || got != srv {
		t.Errorf("Server after a refused update = %+v, %v; want %+v", got, err, srv)
	}
	if _, err := s.Server(ctx, "bbb2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Server(bbb2) error = %v, want ErrNotFound", err)
	}
}

// TestStaleIndexEntries checks that the scripts heal index entries whose
// binding is gone (which only a hand edit or a bug could leave behind): the
// bridge counts as free and the server index drops the entry.
func TestStaleIndexEntries(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t, storetest.RedisURL(t))
	must(t, "AddServer", s.AddServer(ctx, store.Server{ID: "bbb1", State: store.StateEnabled, Online: true}))
	ref := meetingRef("", "ghost")
	if err := s.rdb.Set(ctx, s.key("bridge:", "555"), ref, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.SAdd(ctx, s.key("server-meetings:", "bbb1"), ref).Err(); err != nil {
		t.Fatal(err)
	}
	got, created, err := s.BindMeeting(ctx, store.Meeting{ID: "real", ServerID: "bbb1"}, []string{"555"})
	if err != nil || !created || got.VoiceBridge != "555" {
		t.Fatalf("BindMeeting over a stale bridge = %q, %v, %v; want 555, true", got.VoiceBridge, created, err)
	}
	removed, err := s.SyncServerMeetings(ctx, "bbb1", time.Now(), []store.MeetingStats{{ID: "real", Participants: 2}})
	if err != nil || len(removed) != 0 {
		t.Fatalf("SyncServerMeetings = %v, %v; want nothing removed", removed, err)
	}
	members, err := s.rdb.SMembers(ctx, s.key("server-meetings:", "bbb1")).Result()
	if err != nil || !slices.Equal(members, []string{meetingRef("", "real")}) {
		t.Errorf("server index = %v, %v; want only the real binding", members, err)
	}
	if m, err := s.Meeting(ctx, "", "real"); err != nil || m.Participants != 2 {
		t.Errorf("Meeting = %+v, %v; want 2 participants", m, err)
	}
}

// commandCounter is a go-redis hook counting round trips: one per command
// sent alone, one per pipeline.
type commandCounter struct{ n atomic.Int64 }

func (c *commandCounter) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (c *commandCounter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *commandCounter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// TestHotPathRoundTrips checks that the calls every API request makes cost
// one round trip each once Migrate has loaded the scripts.
func TestHotPathRoundTrips(t *testing.T) {
	ctx := testContext(t)
	s := newTestStore(t, storetest.RedisURL(t))
	must(t, "AddServer", s.AddServer(ctx, store.Server{ID: "bbb1", State: store.StateEnabled, Online: true}))
	must(t, "AddTenant", s.AddTenant(ctx, store.Tenant{ID: "t1", Name: "acme"}))
	counter := &commandCounter{}
	s.rdb.AddHook(counter)

	tests := []struct {
		name string
		run  func() error
	}{
		{"BindMeeting", func() error {
			_, _, err := s.BindMeeting(ctx, store.Meeting{Tenant: "t1", ID: "room", ServerID: "bbb1"}, []string{"1", "2"})
			return err
		}},
		{"MeetingServer", func() error { _, _, err := s.MeetingServer(ctx, "t1", "room"); return err }},
		{"AddServerLoad", func() error { return s.AddServerLoad(ctx, "bbb1", 1) }},
		{"TenantByName", func() error { _, err := s.TenantByName(ctx, "acme"); return err }},
		{"Meeting", func() error { _, err := s.Meeting(ctx, "t1", "room"); return err }},
		{"LoadOrStoreValue", func() error { _, err := s.LoadOrStoreValue(ctx, "k", "v"); return err }},
	}
	for _, tc := range tests {
		before := counter.n.Load()
		if err := tc.run(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if n := counter.n.Load() - before; n != 1 {
			t.Errorf("%s made %d round trips, want 1", tc.name, n)
		}
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

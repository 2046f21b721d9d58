package balancer

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/sqlite"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "bbb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	return s
}

func addServer(t *testing.T, live store.Live, s store.Server) {
	t.Helper()
	if s.URL == "" {
		s.URL = "http://127.0.0.1:1/bigbluebutton/api"
	}
	if s.State == "" {
		s.State = store.StateEnabled
	}
	if err := live.AddServer(testCtx(t), s); err != nil {
		t.Fatal(err)
	}
}

func newTestClient() *bbb.Client {
	return bbb.NewClient(bbb.ClientConfig{ConnectTimeout: time.Second, ResponseTimeout: 2 * time.Second})
}

func TestPlaceNewMeeting(t *testing.T) {
	live := newStore(t)
	addServer(t, live, store.Server{ID: "a", Online: true, LoadMultiplier: 1, Load: 10})
	addServer(t, live, store.Server{ID: "b", Online: true, LoadMultiplier: 2, Load: 5})
	b := New(live, nil, Config{LoadMinUserCount: 15, VoiceBridgeLength: 9})
	ctx := testCtx(t)

	p, err := b.Place(ctx, PlaceRequest{MeetingID: "room1", ModeratorPW: "mpw"})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Created || p.Server.ID != "b" || p.Meeting.ModeratorPW != "mpw" || p.Meeting.ExpectedLoad != 30 {
		t.Fatalf("placement = %+v", p)
	}
	if want := VoiceBridges("", "room1", 9, 1, "")[0]; p.Meeting.VoiceBridge != want {
		t.Errorf("voice bridge %q, want the first candidate %q", p.Meeting.VoiceBridge, want)
	}
	s, _ := live.Server(ctx, "b")
	if s.Load != 35 {
		t.Errorf("load of b = %v, want 5 + 15×2", s.Load)
	}

	// The same meeting again: the binding is reused, no load added.
	again, err := b.Place(ctx, PlaceRequest{MeetingID: "room1", ModeratorPW: "other"})
	if err != nil || again.Created || again.Server.ID != "b" || again.Meeting.ModeratorPW != "mpw" {
		t.Fatalf("second place = %+v, %v", again, err)
	}
	if s, _ := live.Server(ctx, "b"); s.Load != 35 {
		t.Errorf("load of b after reuse = %v, want 35", s.Load)
	}

	// A random moderator password when the request has none.
	p2, err := b.Place(ctx, PlaceRequest{MeetingID: "room2"})
	if err != nil || len(p2.Meeting.ModeratorPW) != 8 {
		t.Fatalf("room2 = %+v, %v", p2, err)
	}
	if p2.Server.ID != "a" {
		t.Errorf("room2 on %s, want a (10 < 35)", p2.Server.ID)
	}
}

func TestPlaceErrors(t *testing.T) {
	live := newStore(t)
	b := New(live, nil, Config{LoadMinUserCount: 15})
	ctx := testCtx(t)
	if _, err := b.Place(ctx, PlaceRequest{MeetingID: "m"}); !errors.Is(err, ErrNoServer) {
		t.Fatalf("empty pool: %v", err)
	}
	addServer(t, live, store.Server{ID: "t", Tag: "gpu", Online: true})
	if _, err := b.Place(ctx, PlaceRequest{MeetingID: "m"}); !errors.Is(err, ErrNoServer) {
		t.Fatalf("only tagged servers, untagged request: %v", err)
	}
	var tagErr *TagUnavailableError
	if _, err := b.Place(ctx, PlaceRequest{MeetingID: "m", Tag: ParseTag("video!")}); !errors.As(err, &tagErr) || tagErr.Tag != "video" {
		t.Fatalf("required tag: %v", err)
	}
	p, err := b.Place(ctx, PlaceRequest{MeetingID: "m", Tag: ParseTag("gpu!")})
	if err != nil || p.Server.ID != "t" {
		t.Fatalf("gpu!: %+v, %v", p, err)
	}
	// Nothing was left behind by the failed attempts.
	if ms, _ := live.Meetings(ctx, store.MeetingFilter{AnyTenant: true}); len(ms) != 1 {
		t.Errorf("bindings = %+v, want only m", ms)
	}
}

func TestPlaceReplacesUnusableBinding(t *testing.T) {
	tests := []struct {
		name     string
		change   func(*store.Server)
		remove   bool
		wantMove bool
	}{
		{"enabled online stays", func(*store.Server) {}, false, false},
		{"offline moves", func(s *store.Server) { s.Online = false }, false, true},
		{"disabled moves", func(s *store.Server) { s.State = store.StateDisabled }, false, true},
		{"removed moves", nil, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := newStore(t)
			ctx := testCtx(t)
			addServer(t, live, store.Server{ID: "a", Online: true})
			b := New(live, nil, Config{LoadMinUserCount: 15})
			first, err := b.Place(ctx, PlaceRequest{MeetingID: "m"})
			if err != nil || first.Server.ID != "a" {
				t.Fatalf("first: %+v, %v", first, err)
			}
			addServer(t, live, store.Server{ID: "z", Online: true, Load: 100})
			if tt.remove {
				// A binding left pointing at a server that is gone, as a
				// crash between two writes could leave it.
				if _, err := live.DeleteServer(ctx, "a"); err != nil {
					t.Fatal(err)
				}
				if _, _, err := live.BindMeeting(ctx, first.Meeting, []string{first.Meeting.VoiceBridge}); err != nil {
					t.Fatal(err)
				}
			} else if _, err := live.UpdateServer(ctx, "a", func(s *store.Server) error { tt.change(s); return nil }); err != nil {
				t.Fatal(err)
			}
			p, err := b.Place(ctx, PlaceRequest{MeetingID: "m"})
			if err != nil {
				t.Fatal(err)
			}
			if moved := p.Server.ID == "z"; moved != tt.wantMove || p.Created != tt.wantMove {
				t.Fatalf("placement %+v, want moved=%v", p, tt.wantMove)
			}
			if tt.wantMove && p.Dropped != "a" {
				t.Errorf("Dropped = %q, want a", p.Dropped)
			}
			m, err := live.Meeting(ctx, "", "m")
			if err != nil || m.ServerID != p.Server.ID {
				t.Errorf("stored binding %+v, %v", m, err)
			}
		})
	}
}

func TestPlaceCordoned(t *testing.T) {
	sim := bbbsim.New(bbbsim.Options{Secret: "simsecret"})
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	for _, running := range []bool{true, false} {
		t.Run(fmt.Sprint("running=", running), func(t *testing.T) {
			live := newStore(t)
			ctx := testCtx(t)
			addServer(t, live, store.Server{ID: "c", URL: sim.URL(), Secret: "simsecret", Online: true})
			b := New(live, newTestClient(), Config{LoadMinUserCount: 1})
			id := fmt.Sprint("cordoned-", running)
			if _, err := b.Place(ctx, PlaceRequest{MeetingID: id}); err != nil {
				t.Fatal(err)
			}
			if _, err := sim.AddMeeting(bbb.Meeting{MeetingID: id}); err != nil {
				t.Fatal(err)
			}
			if running {
				if err := sim.SetUsers(id, 2, 1, 0); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := live.UpdateServer(ctx, "c", func(s *store.Server) error { s.State = store.StateCordoned; return nil }); err != nil {
				t.Fatal(err)
			}
			addServer(t, live, store.Server{ID: "n", Online: true})
			p, err := b.Place(ctx, PlaceRequest{MeetingID: id})
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]string{true: "c", false: "n"}[running]; p.Server.ID != want {
				t.Errorf("placed on %s, want %s", p.Server.ID, want)
			}
			if n := len(sim.RequestsFor("isMeetingRunning")); n == 0 {
				t.Error("the cordoned server was not asked isMeetingRunning")
			}
		})
	}
}

func TestPlaceKeepsTenantsApart(t *testing.T) {
	live := newStore(t)
	ctx := testCtx(t)
	for _, id := range []string{"s1", "s2", "s3"} {
		addServer(t, live, store.Server{ID: id, Online: true})
	}
	b := New(live, nil, Config{LoadMinUserCount: 1, Multitenancy: true})
	used := map[string]string{}
	for _, tenant := range []string{"t1", "t2", "t3"} {
		p, err := b.Place(ctx, PlaceRequest{Tenant: tenant, MeetingID: "room1"})
		if err != nil {
			t.Fatal(err)
		}
		if other, dup := used[p.Server.ID]; dup {
			t.Fatalf("room1 of %s and of %s both on %s", tenant, other, p.Server.ID)
		}
		used[p.Server.ID] = tenant
		if p.Meeting.Tenant != tenant {
			t.Errorf("binding tenant %q", p.Meeting.Tenant)
		}
	}
	// A fourth tenant finds no server free of room1.
	if _, err := b.Place(ctx, PlaceRequest{Tenant: "t4", MeetingID: "room1"}); !errors.Is(err, ErrNoServer) {
		t.Errorf("t4: %v, want ErrNoServer", err)
	}
	// Same tenant again: reused.
	p, err := b.Place(ctx, PlaceRequest{Tenant: "t2", MeetingID: "room1"})
	if err != nil || p.Created || used[p.Server.ID] != "t2" {
		t.Errorf("t2 again: %+v, %v", p, err)
	}
}

// TestBurstPlacement is DESIGN §7's placement target: 200 creates over 10
// equal servers with no poll in between, 20 at a time.
func TestBurstPlacement(t *testing.T) {
	live := newStore(t)
	ctx := testCtx(t)
	const servers, meetings = 10, 200
	for i := range servers {
		addServer(t, live, store.Server{ID: fmt.Sprintf("s%02d", i), Online: true, LoadMultiplier: 1})
	}
	b := New(live, nil, Config{LoadMinUserCount: 15})
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		count = map[string]int{}
		errs  []error
	)
	sem := make(chan struct{}, 20)
	for i := range meetings {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			p, err := b.Place(ctx, PlaceRequest{MeetingID: fmt.Sprint("burst-", i)})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			count[p.Server.ID]++
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d creates failed, first: %v", len(errs), errs[0])
	}
	busiest := 0
	for _, n := range count {
		busiest = max(busiest, n)
	}
	mean := float64(meetings) / servers
	if float64(busiest) > 1.2*mean {
		t.Errorf("busiest server holds %d meetings, mean %.0f: %v", busiest, mean, count)
	}
}

func TestUnplaceAndJoinLoad(t *testing.T) {
	live := newStore(t)
	ctx := testCtx(t)
	addServer(t, live, store.Server{ID: "a", Online: true, LoadMultiplier: 3})
	b := New(live, nil, Config{LoadMinUserCount: 15})
	p, err := b.Place(ctx, PlaceRequest{MeetingID: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.AddJoin(ctx, p.Server); err != nil {
		t.Fatal(err)
	}
	if s, _ := live.Server(ctx, "a"); s.Load != 48 {
		t.Errorf("load = %v, want 45 + 3", s.Load)
	}
	if err := b.Unplace(ctx, p); err != nil {
		t.Fatal(err)
	}
	if s, _ := live.Server(ctx, "a"); s.Load != 3 {
		t.Errorf("load after unplace = %v, want 3", s.Load)
	}
	if _, err := live.Meeting(ctx, "", "m"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("binding after unplace: %v", err)
	}
	// A reused binding is never undone.
	p2, _ := b.Place(ctx, PlaceRequest{MeetingID: "m2"})
	reused, _ := b.Place(ctx, PlaceRequest{MeetingID: "m2"})
	if err := b.Unplace(ctx, reused); err != nil {
		t.Fatal(err)
	}
	if _, err := live.Meeting(ctx, "", "m2"); err != nil {
		t.Errorf("reused binding removed: %v (first %+v)", err, p2)
	}
}

func TestLoadModel(t *testing.T) {
	tests := []struct {
		min        int
		mult, want float64
	}{
		{15, 1, 15}, {15, 7, 105}, {15, 0, 15}, {0, 2, 2}, {1, 1, 1},
	}
	for _, tt := range tests {
		if got := MeetingLoad(tt.min, tt.mult); got != tt.want {
			t.Errorf("MeetingLoad(%d, %v) = %v, want %v", tt.min, tt.mult, got, tt.want)
		}
	}
	if JoinLoad(7) != 7 || JoinLoad(0) != 1 {
		t.Errorf("JoinLoad(7) = %v, JoinLoad(0) = %v", JoinLoad(7), JoinLoad(0))
	}
}

package storetest

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// These cases run many goroutines against one store at once; under -race they
// also check that the backend is free of data races.

func testServerUpdateConcurrent(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	mustAddServer(ctx, t, s, sampleServer("bbb1"))
	const n = 100
	errs := make([]error, n)
	runConcurrently(n, func(i int) {
		_, errs[i] = s.UpdateServer(ctx, "bbb1", func(x *store.Server) error {
			x.Meetings++
			return nil
		})
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("UpdateServer #%d: %v", i, err)
		}
	}
	got, err := s.Server(ctx, "bbb1")
	if err != nil {
		t.Fatalf("Server: %v", err)
	}
	if got.Meetings != n {
		t.Errorf("after %d concurrent +1 updates Meetings = %d, want %d (lost updates)", n, got.Meetings, n)
	}
}

func testAddServerLoadConcurrent(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	srv := sampleServer("bbb1")
	srv.Load = 0.5
	mustAddServer(ctx, t, s, srv)
	const n = 100
	errs := make([]error, n)
	runConcurrently(n, func(i int) { errs[i] = s.AddServerLoad(ctx, "bbb1", 1) })
	for i, err := range errs {
		if err != nil {
			t.Fatalf("AddServerLoad #%d: %v", i, err)
		}
	}
	got, err := s.Server(ctx, "bbb1")
	if err != nil {
		t.Fatalf("Server: %v", err)
	}
	if got.Load != n+0.5 {
		t.Errorf("after %d concurrent +1 loads Load = %v, want %v", n, got.Load, n+0.5)
	}
}

func testBindMeetingConcurrentSame(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	const servers = 5
	for i := range servers {
		mustAddServer(ctx, t, s, sampleServer(fmt.Sprintf("bbb%d", i)))
	}
	const n = 100
	type result struct {
		m       store.Meeting
		created bool
		err     error
	}
	results := make([]result, n)
	runConcurrently(n, func(i int) {
		m := sampleMeeting("t1", "room", fmt.Sprintf("bbb%d", i%servers), baseTime.Add(time.Duration(i)))
		bridges := []string{fmt.Sprint(100 + i), fmt.Sprint(200 + i)}
		r := &results[i]
		r.m, r.created, r.err = s.BindMeeting(ctx, m, bridges)
	})
	created := 0
	var winner store.Meeting
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("BindMeeting #%d: %v", i, r.err)
		}
		if r.created {
			created++
			winner = r.m
		}
	}
	if created != 1 {
		t.Fatalf("%d of %d concurrent binds of one meeting created it, want exactly 1", created, n)
	}
	for i, r := range results {
		if d := meetingDiff(r.m, winner); d != "" {
			t.Errorf("BindMeeting #%d returned another binding than the one created: %s", i, d)
		}
	}
	stored, err := s.Meeting(ctx, "t1", "room")
	if err != nil {
		t.Fatalf("Meeting: %v", err)
	}
	checkMeeting(t, "stored binding", stored, winner)
	all, err := s.Meetings(ctx, store.MeetingFilter{AnyTenant: true})
	if err != nil || len(all) != 1 {
		t.Errorf("Meetings = %v, %v; want the one binding", meetingKeys(all), err)
	}
	// Only the winner's bridge is held.
	for i := range n {
		for _, b := range []string{fmt.Sprint(100 + i), fmt.Sprint(200 + i)} {
			if b == winner.VoiceBridge {
				continue
			}
			if _, err := s.MeetingByVoiceBridge(ctx, b); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("bridge %s held by a losing bind: error = %v, want ErrNotFound", b, err)
			}
		}
	}
}

func testBindMeetingConcurrentBridges(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	mustAddServer(ctx, t, s, sampleServer("bbb1"))
	const n = 50
	bridges := make([]string, n)
	for i := range bridges {
		bridges[i] = fmt.Sprint(70000 + i)
	}
	got := make([]store.Meeting, n)
	errs := make([]error, n)
	runConcurrently(n, func(i int) {
		got[i], _, errs[i] = s.BindMeeting(ctx, sampleMeeting("", fmt.Sprintf("m%02d", i), "bbb1", baseTime), bridges)
	})
	holders := map[string]string{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("BindMeeting #%d: %v (there are as many bridges as meetings)", i, errs[i])
		}
		if prev, taken := holders[got[i].VoiceBridge]; taken {
			t.Errorf("bridge %s given to both %s and %s", got[i].VoiceBridge, prev, got[i].ID)
		}
		holders[got[i].VoiceBridge] = got[i].ID
	}
	for b, id := range holders {
		holder, err := s.MeetingByVoiceBridge(ctx, b)
		if err != nil || holder.ID != id {
			t.Errorf("MeetingByVoiceBridge(%s) = %q, %v; want %q", b, holder.ID, err, id)
		}
	}
	if _, _, err := s.BindMeeting(ctx, sampleMeeting("", "one-too-many", "bbb1", baseTime), bridges); !errors.Is(err, store.ErrNoVoiceBridge) {
		t.Errorf("BindMeeting with every bridge taken: error = %v, want ErrNoVoiceBridge", err)
	}
}

func testTokenConsumeConcurrent(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	want := store.Token{RecordID: "rec", Format: "presentation"}
	if err := s.PutToken(ctx, "tok", want, time.Minute); err != nil {
		t.Fatalf("PutToken: %v", err)
	}
	const n = 50
	var won, notFound atomic.Int32
	errs := make([]error, n)
	runConcurrently(n, func(i int) {
		got, err := s.ConsumeToken(ctx, "tok")
		switch {
		case err == nil:
			won.Add(1)
			if got != want {
				errs[i] = fmt.Errorf("consumed %+v, want %+v", got, want)
			}
		case errors.Is(err, store.ErrNotFound):
			notFound.Add(1)
		default:
			errs[i] = err
		}
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("ConsumeToken #%d: %v", i, err)
		}
	}
	if won.Load() != 1 || notFound.Load() != n-1 {
		t.Errorf("%d consumers succeeded and %d got ErrNotFound, want 1 and %d", won.Load(), notFound.Load(), n-1)
	}
}

func testLeaseConcurrent(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	const n = 30
	held := make([]bool, n)
	errs := make([]error, n)
	runConcurrently(n, func(i int) {
		held[i], errs[i] = s.AcquireLease(ctx, "poller", fmt.Sprintf("node-%d", i), time.Minute)
	})
	holder := -1
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("AcquireLease #%d: %v", i, errs[i])
		}
		if held[i] {
			if holder >= 0 {
				t.Fatalf("both node-%d and node-%d hold the lease", holder, i)
			}
			holder = i
		}
	}
	if holder < 0 {
		t.Fatalf("none of %d concurrent acquirers got a free lease", n)
	}
	if ok, err := s.AcquireLease(ctx, "poller", fmt.Sprintf("node-%d", holder), time.Minute); err != nil || !ok {
		t.Errorf("the winner cannot renew: %v, %v", ok, err)
	}
}

func testLoadOrStoreValueConcurrent(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	const n = 50
	got := make([]string, n)
	errs := make([]error, n)
	runConcurrently(n, func(i int) {
		got[i], errs[i] = s.LoadOrStoreValue(ctx, "secret", fmt.Sprintf("value-%d", i))
	})
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("LoadOrStoreValue #%d: %v", i, errs[i])
		}
		if got[i] != got[0] {
			t.Fatalf("callers disagree: #0 got %q, #%d got %q", got[0], i, got[i])
		}
	}
	var valid bool
	for i := range n {
		valid = valid || got[0] == fmt.Sprintf("value-%d", i)
	}
	if !valid {
		t.Errorf("stored value %q is none of the values offered", got[0])
	}
	if v, err := s.LoadOrStoreValue(ctx, "secret", "late"); err != nil || v != got[0] {
		t.Errorf("LoadOrStoreValue afterwards = %q, %v; want %q", v, err, got[0])
	}
}

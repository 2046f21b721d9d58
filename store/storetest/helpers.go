package storetest

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// testTimeout bounds every store call of a subtest, so a hanging backend
// fails the test instead of stalling the run.
const testTimeout = 20 * time.Second

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// baseTime is a fixed instant with a nanosecond part, so backends that drop
// precision are caught.
var baseTime = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC)

func sampleServer(id string) store.Server {
	return store.Server{
		ID:             id,
		URL:            "https://" + id + ".example.com/bigbluebutton/api",
		Secret:         "secret-" + id,
		State:          store.StateEnabled,
		Online:         true,
		LoadMultiplier: 1,
	}
}

func mustAddServer(ctx context.Context, t *testing.T, s store.Live, srv store.Server) {
	t.Helper()
	if err := s.AddServer(ctx, srv); err != nil {
		t.Fatalf("AddServer(%q): %v", srv.ID, err)
	}
}

func sampleMeeting(tenant, id, serverID string, created time.Time) store.Meeting {
	return store.Meeting{
		Tenant:       tenant,
		ID:           id,
		ServerID:     serverID,
		ModeratorPW:  "mp-" + id,
		CreatedAt:    created,
		ExpectedLoad: 15,
	}
}

func mustBind(ctx context.Context, t *testing.T, s store.Live, m store.Meeting, bridges ...string) store.Meeting {
	t.Helper()
	got, created, err := s.BindMeeting(ctx, m, bridges)
	if err != nil {
		t.Fatalf("BindMeeting(%q, %q): %v", m.Tenant, m.ID, err)
	}
	if !created {
		t.Fatalf("BindMeeting(%q, %q) = created false, want true for a new meeting", m.Tenant, m.ID)
	}
	return got
}

// meetingDiff describes how got differs from want, or returns "" when they
// are the same binding (times compared as instants).
func meetingDiff(got, want store.Meeting) string {
	if !got.CreatedAt.Equal(want.CreatedAt) {
		return fmt.Sprintf("CreatedAt = %v, want %v", got.CreatedAt, want.CreatedAt)
	}
	got.CreatedAt, want.CreatedAt = time.Time{}, time.Time{}
	if got != want {
		return fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return ""
}

func checkMeeting(t *testing.T, what string, got, want store.Meeting) {
	t.Helper()
	if d := meetingDiff(got, want); d != "" {
		t.Errorf("%s: %s", what, d)
	}
}

func checkMeetings(t *testing.T, what string, got, want []store.Meeting) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d meetings %v, want %d %v", what, len(got), meetingKeys(got), len(want), meetingKeys(want))
	}
	for i := range want {
		if d := meetingDiff(got[i], want[i]); d != "" {
			t.Errorf("%s[%d]: %s", what, i, d)
		}
	}
}

// sortMeetings orders bindings by tenant then id, for comparing results whose
// order the contract leaves open.
func sortMeetings(ms []store.Meeting) []store.Meeting {
	out := append([]store.Meeting(nil), ms...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Tenant != out[j].Tenant {
			return out[i].Tenant < out[j].Tenant
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func meetingKeys(ms []store.Meeting) []string {
	keys := make([]string, len(ms))
	for i, m := range ms {
		keys[i] = m.Tenant + "/" + m.ID
	}
	return keys
}

func serverIDs(ss []store.Server) []string {
	ids := make([]string, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	return ids
}

// runConcurrently starts n goroutines running fn(i) at once and waits for them.
func runConcurrently(n int, fn func(i int)) {
	start := make(chan struct{})
	done := make(chan struct{})
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			<-start
			fn(i)
		}()
	}
	close(start)
	for range n {
		<-done
	}
}

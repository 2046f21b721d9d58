package poller_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/poller"
	"github.com/caddy-bbb/caddy-bbb/store/redis"
	"github.com/caddy-bbb/caddy-bbb/store/storetest"
)

// newRedisNodes opens n stores on the test Redis under one fresh prefix, as
// n Caddy nodes sharing it would.
func newRedisNodes(t *testing.T, n int) []*redis.Store {
	t.Helper()
	url := storetest.RedisURL(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "pollertest:" + hex.EncodeToString(b[:]) + ":"
	var out []*redis.Store
	for range n {
		st, err := redis.Open(url, prefix)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(testContext(t)); err != nil {
			t.Fatal(err)
		}
		out = append(out, st)
	}
	return out
}

func TestTwoPollersOnOneRedisNeverPollTogether(t *testing.T) {
	nodes := newRedisNodes(t, 2)
	probe := newConcurrencyProbe(t, 30*time.Millisecond)
	probe.register(t, nodes[0])

	cfg := poller.Config{Interval: 20 * time.Millisecond, LeaseTTL: 600 * time.Millisecond}
	a := &countingStore{Live: nodes[0]}
	b := &countingStore{Live: nodes[1]}
	pa, pb := newPoller(t, a, cfg), newPoller(t, b, cfg)
	if pa.Holder() == pb.Holder() {
		t.Fatalf("two Pollers share the holder id %q", pa.Holder())
	}
	stopA := runLoop(t, pa)
	stopB := runLoop(t, pb)

	eventually(t, 5*time.Second, "five cycles", func() bool {
		return a.cycles.Load()+b.cycles.Load() >= 5
	})
	// The lease holder keeps it between cycles: one node does all the work.
	leader, follower, stopLeader, stopFollower := a, b, stopA, stopB
	if b.cycles.Load() > 0 {
		leader, follower, stopLeader, stopFollower = b, a, stopB, stopA
	}
	if follower.cycles.Load() != 0 {
		t.Fatalf("both nodes polled: %d and %d cycles", a.cycles.Load(), b.cycles.Load())
	}

	// The leader stops: the other takes over.
	if took := stopLeader(); took > time.Second {
		t.Errorf("leader took %s to stop", took)
	}
	led := leader.cycles.Load()
	eventually(t, 3*time.Second, "the other node to take over", func() bool {
		return follower.cycles.Load() >= 3
	})
	stopFollower()
	if leader.cycles.Load() != led {
		t.Error("the stopped node polled again")
	}
	if m := probe.most.Load(); m != 1 {
		t.Errorf("%d cycles ran at once across the two nodes, want 1", m)
	}
}

func TestPollNowOnOtherNodeReportsLeaseHeld(t *testing.T) {
	nodes := newRedisNodes(t, 2)
	probe := newConcurrencyProbe(t, 0)
	probe.register(t, nodes[0])
	cfg := poller.Config{Interval: time.Hour, LeaseTTL: 600 * time.Millisecond}
	a := &countingStore{Live: nodes[0]}
	leader := newPoller(t, a, cfg)
	runLoop(t, leader)
	eventually(t, 5*time.Second, "the first cycle", func() bool { return a.cycles.Load() == 1 })

	other := newPoller(t, nodes[1], cfg)
	if _, err := other.PollNow(testContext(t)); !errors.Is(err, poller.ErrLeaseHeld) {
		t.Errorf("PollNow on the node without the lease: %v, want ErrLeaseHeld", err)
	}
	// The leader's own PollNow runs at once, though its loop waits an hour.
	sum, err := leader.PollNow(testContext(t))
	if err != nil || sum.Polled != 1 {
		t.Errorf("PollNow on the leader: polled %d, %v", sum.Polled, err)
	}
}

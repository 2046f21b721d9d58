// Package poller keeps the live state of the pool true to the BBB servers:
// once per interval it asks every server that is not disabled for its
// meetings, turns the answers into health (online/offline with thresholds),
// load and statistics, and removes the bindings of meetings that ended or
// whose server went offline. In a cluster it runs under a lease in the live
// store, so exactly one node polls at a time.
package poller

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// Defaults, Scalelite's where it has one.
const (
	DefaultInterval           = 60 * time.Second
	DefaultHealthyThreshold   = 1
	DefaultUnhealthyThreshold = 2
	DefaultConcurrency        = 64
	DefaultLeaseTTL           = 30 * time.Second
	// DefaultVersionEvery is how often, in cycles, a server's index document
	// is fetched again to notice BBB upgrades (ten minutes at the default
	// interval). It is always fetched the first time a Poller sees a server
	// and whenever a server comes online.
	DefaultVersionEvery = 10
)

// LeaseName is the live-store lease the poll loop runs under.
const LeaseName = "poller"

// ErrLeaseHeld is returned by PollNow when another node holds the poller
// lease: that node is the one polling.
var ErrLeaseHeld = errors.New("the poller lease is held by another node")

// Config tunes a Poller. Zero fields take the defaults, except the two load
// settings, where zero is a meaningful value (the app passes its resolved
// defaults).
type Config struct {
	// Interval between the starts of two cycles.
	Interval time.Duration
	// ConnectTimeout and ResponseTimeout bound each call to a server, on top
	// of the client's own timeouts; zero means the bbb client defaults.
	ConnectTimeout  time.Duration
	ResponseTimeout time.Duration
	// CycleTimeout bounds a whole cycle; servers not done by then are left
	// as they are until the next cycle. Default: the larger of Interval and
	// four times the worst case of one server's calls.
	CycleTimeout time.Duration
	// HealthyThreshold is how many successful polls in a row bring an
	// offline server online.
	HealthyThreshold int
	// UnhealthyThreshold is how many failed polls in a row take an online
	// server offline.
	UnhealthyThreshold int
	// LoadMinUserCount is the least load a meeting younger than
	// LoadJoinBufferTime counts with, since its users are still arriving.
	LoadMinUserCount   int
	LoadJoinBufferTime time.Duration
	// Concurrency is how many servers are polled at once.
	Concurrency int
	// LeaseTTL is the lifetime of the poller lease; it is renewed every
	// third of it, so a stopped node's work is taken over within about TTL.
	LeaseTTL time.Duration
	// VersionEvery is how often, in cycles, the BBB version is fetched again.
	VersionEvery int
	// EndTimeout bounds ending the meetings of a server that went offline.
	// Default: the client's response timeout for an offline server, twice.
	EndTimeout time.Duration
	// OnCycle, when set, is called after every cycle this poller ran (the
	// periodic ones and PollNow's) with its summary and error, for
	// metrics. It must not block.
	OnCycle func(Summary, error)
}

func (c Config) withDefaults() Config {
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = bbb.DefaultConnectTimeout
	}
	if c.ResponseTimeout <= 0 {
		c.ResponseTimeout = bbb.DefaultResponseTimeout
	}
	if c.CycleTimeout <= 0 {
		c.CycleTimeout = max(c.Interval, 4*c.callTimeout())
	}
	if c.HealthyThreshold <= 0 {
		c.HealthyThreshold = DefaultHealthyThreshold
	}
	if c.UnhealthyThreshold <= 0 {
		c.UnhealthyThreshold = DefaultUnhealthyThreshold
	}
	if c.LoadMinUserCount < 0 {
		c.LoadMinUserCount = 0
	}
	if c.LoadJoinBufferTime < 0 {
		c.LoadJoinBufferTime = 0
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = DefaultLeaseTTL
	}
	if c.VersionEvery <= 0 {
		c.VersionEvery = DefaultVersionEvery
	}
	if c.EndTimeout <= 0 {
		c.EndTimeout = 2 * min(max(c.ResponseTimeout/10, 500*time.Millisecond), c.ResponseTimeout)
	}
	return c
}

// callTimeout is the backstop of one call: the client allows a dial twice
// over (TCP, then TLS) and then the response.
func (c Config) callTimeout() time.Duration {
	return 2*c.ConnectTimeout + c.ResponseTimeout
}

// Poller polls the pool. Its cycles never overlap: the loop and PollNow take
// turns.
type Poller struct {
	live   store.Live
	client *bbb.Client
	cfg    Config
	log    *zap.Logger
	holder string

	// turn is held by the running cycle; a channel so waiting for it can
	// give up with the caller's context.
	turn chan struct{}

	// The fields below are only touched by a cycle, or under versionMu by
	// the cycle's workers.
	cycle       uint64
	versionMu   sync.Mutex
	versionSeen map[string]uint64 // server id → cycle of the last version fetch

	// leading is whether the loop holds the lease, so PollNow knows whether
	// it may release it after its cycle.
	leadMu  sync.Mutex
	leading bool
}

// New returns a Poller of the servers in live, calling them through client.
// A nil logger logs nothing.
func New(live store.Live, client *bbb.Client, cfg Config, logger *zap.Logger) *Poller {
	if logger == nil {
		logger = zap.NewNop()
	}
	return &Poller{
		live:        live,
		client:      client,
		cfg:         cfg.withDefaults(),
		log:         logger,
		holder:      store.NewLeaseHolder(),
		turn:        make(chan struct{}, 1),
		versionSeen: make(map[string]uint64),
	}
}

// Config returns the effective configuration, defaults applied.
func (p *Poller) Config() Config { return p.cfg }

// Holder returns the id this Poller takes the lease with, unique per Poller.
func (p *Poller) Holder() string { return p.holder }

// takeTurn waits until no other cycle of this Poller runs.
func (p *Poller) takeTurn(ctx context.Context) error {
	select {
	case p.turn <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Poller) endTurn() { <-p.turn }

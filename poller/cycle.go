package poller

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// Summary tells what one cycle did. The admin API returns it as JSON; the id
// lists are never null.
type Summary struct {
	Started time.Time `json:"started"`
	// Duration of the cycle in milliseconds.
	DurationMS float64 `json:"duration_ms"`
	// Polled counts the servers polled: every server not disabled.
	Polled int `json:"polled"`
	// Online and Offline count the polled servers by their state after the
	// cycle.
	Online  int `json:"online"`
	Offline int `json:"offline"`
	// Failed lists the servers whose poll failed this cycle (whether or not
	// that took them offline yet).
	Failed []string `json:"failed"`
	// Skipped lists the servers left as they were: the cycle ran out of
	// time, or an admin disabled or removed the server meanwhile.
	Skipped []string `json:"skipped"`
	// The transitions of this cycle.
	WentOnline  []string `json:"went_online"`
	WentOffline []string `json:"went_offline"`
	// Disabled lists the cordoned servers that had no meeting left and were
	// disabled.
	Disabled []string `json:"disabled"`
	// BindingsRemoved counts the meeting bindings removed: meetings that
	// ended, and every meeting of a server that went offline.
	BindingsRemoved int `json:"bindings_removed"`
}

func newSummary(started time.Time) Summary {
	return Summary{
		Started:     started,
		Failed:      []string{},
		Skipped:     []string{},
		WentOnline:  []string{},
		WentOffline: []string{},
		Disabled:    []string{},
	}
}

// outcome is what polling one server did.
type outcome struct {
	id          string
	online      bool // after the poll
	failed      bool
	skipped     bool
	wentOnline  bool
	wentOffline bool
	disabled    bool
	removed     int
	err         error // a store error or a recovered panic
}

// PollOnce runs one cycle over every server that is not disabled, without
// the lease: the caller decides who polls. It waits for a cycle already
// running in this Poller to end first. Per-server store errors are joined in
// the error; the summary is valid either way.
func (p *Poller) PollOnce(ctx context.Context) (Summary, error) {
	if err := p.takeTurn(ctx); err != nil {
		return newSummary(time.Now()), fmt.Errorf("poll: wait for running cycle: %w", err)
	}
	defer p.endTurn()
	return p.poll(ctx)
}

// poll runs a cycle; the caller holds the turn.
func (p *Poller) poll(parent context.Context) (sum Summary, err error) {
	if p.cfg.OnCycle != nil {
		defer func() { p.cfg.OnCycle(sum, err) }()
	}
	started := time.Now()
	sum = newSummary(started)
	p.cycle++
	ctx, cancel := context.WithTimeout(parent, p.cfg.CycleTimeout)
	defer cancel()

	servers, err := p.live.Servers(ctx)
	if err != nil {
		return sum, fmt.Errorf("poll: list servers: %w", err)
	}
	todo := make([]store.Server, 0, len(servers))
	for _, s := range servers {
		if s.State != store.StateDisabled {
			todo = append(todo, s)
		}
	}
	p.forgetVersions(servers)

	outcomes := make([]outcome, len(todo))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(p.cfg.Concurrency, len(todo)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(todo) {
					return
				}
				outcomes[i] = p.pollServerSafely(ctx, todo[i])
			}
		})
	}
	wg.Wait()

	var errs []error
	sum.Polled = len(todo)
	for _, o := range outcomes {
		if o.online {
			sum.Online++
		} else {
			sum.Offline++
		}
		if o.failed {
			sum.Failed = append(sum.Failed, o.id)
		}
		if o.skipped {
			sum.Skipped = append(sum.Skipped, o.id)
		}
		if o.wentOnline {
			sum.WentOnline = append(sum.WentOnline, o.id)
		}
		if o.wentOffline {
			sum.WentOffline = append(sum.WentOffline, o.id)
		}
		if o.disabled {
			sum.Disabled = append(sum.Disabled, o.id)
		}
		sum.BindingsRemoved += o.removed
		if o.err != nil {
			errs = append(errs, o.err)
		}
	}
	if parent.Err() != nil {
		errs = append(errs, fmt.Errorf("poll: %w", parent.Err()))
	}
	elapsed := time.Since(started)
	sum.DurationMS = float64(elapsed.Microseconds()) / 1000
	p.log.Debug("poll cycle done",
		zap.Duration("duration", elapsed),
		zap.Int("polled", sum.Polled),
		zap.Int("online", sum.Online),
		zap.Int("offline", sum.Offline),
		zap.Int("failed", len(sum.Failed)),
		zap.Int("skipped", len(sum.Skipped)),
		zap.Int("bindings_removed", sum.BindingsRemoved))
	if len(sum.Skipped) > 0 && ctx.Err() != nil && parent.Err() == nil {
		p.log.Warn("poll cycle ran out of time; some servers were not updated",
			zap.Duration("cycle_timeout", p.cfg.CycleTimeout),
			zap.Int("skipped", len(sum.Skipped)))
	}
	return sum, errors.Join(errs...)
}

// pollServerSafely polls one server, turning a panic into an error so one
// bad answer cannot stop the cycle.
func (p *Poller) pollServerSafely(ctx context.Context, s store.Server) (o outcome) {
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("panic while polling a server",
				zap.String("server", s.ID), zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
			o = outcome{id: s.ID, online: s.Online, skipped: true,
				err: fmt.Errorf("poll %s: panic: %v", s.ID, r)}
		}
	}()
	return p.pollServer(ctx, s)
}

// forgetVersions drops the version bookkeeping of servers that are gone.
func (p *Poller) forgetVersions(servers []store.Server) {
	p.versionMu.Lock()
	defer p.versionMu.Unlock()
	known := make(map[string]bool, len(servers))
	for _, s := range servers {
		known[s.ID] = true
	}
	for id := range p.versionSeen {
		if !known[id] {
			delete(p.versionSeen, id)
		}
	}
}

package poller

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"go.uber.org/zap"
)

// releaseTimeout bounds giving the lease back on the way out, when the
// caller's context is already cancelled.
const releaseTimeout = 5 * time.Second

// Run polls every Interval for as long as this Poller holds the poller
// lease, until ctx is cancelled. Without the lease it checks again every
// third of LeaseTTL (or every Interval, if shorter), so it takes over within
// about LeaseTTL of a crashed holder and within that check of one that
// released the lease. The holder renews the lease between and during cycles, so with
// several nodes sharing the live store exactly one polls. A panic in a cycle
// is logged and the loop goes on. Run returns once ctx is cancelled, having
// released the lease; call it once per Poller.
func (p *Poller) Run(ctx context.Context) {
	defer p.release(ctx)
	var next time.Time
	for {
		leading := p.acquire(ctx)
		if leading && !time.Now().Before(next) {
			started := time.Now()
			p.runCycle(ctx)
			next = started.Add(p.cfg.Interval)
		}
		// Without the lease, ask again at least every interval: when the
		// holder is this process's previous config (a reload starts the new
		// poller before it stops the old one), polling resumes within one
		// interval of the old poller letting go.
		wait := min(p.renewEvery(), p.cfg.Interval)
		if leading {
			wait = min(wait, time.Until(next))
		}
		if !sleep(ctx, wait) {
			return
		}
	}
}

// PollNow runs a cycle at once and returns its summary, waiting for a cycle
// of this Poller that is under way to finish first. It takes the lease for
// the cycle; when another node holds it, that node is the one polling and
// PollNow returns ErrLeaseHeld.
func (p *Poller) PollNow(ctx context.Context) (Summary, error) {
	if err := p.takeTurn(ctx); err != nil {
		return newSummary(time.Now()), fmt.Errorf("poll: wait for running cycle: %w", err)
	}
	defer p.endTurn()

	held, err := p.renew(ctx)
	if err != nil {
		return newSummary(time.Now()), fmt.Errorf("poll: take lease: %w", err)
	}
	if !held {
		return newSummary(time.Now()), ErrLeaseHeld
	}
	defer p.releaseUnlessLeading(ctx)
	return p.pollRenewing(ctx)
}

// runCycle runs one cycle of the loop, recovering a panic.
func (p *Poller) runCycle(ctx context.Context) {
	if err := p.takeTurn(ctx); err != nil {
		return
	}
	defer p.endTurn()
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("panic in poll cycle", zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
		}
	}()
	if _, err := p.pollRenewing(ctx); err != nil && ctx.Err() == nil {
		p.log.Warn("poll cycle", zap.Error(err))
	}
}

// pollRenewing runs a cycle while renewing the lease every third of its
// TTL. If the lease is lost, or cannot be renewed before it would expire,
// the cycle is cancelled: another node may be polling by then.
func (p *Poller) pollRenewing(ctx context.Context) (Summary, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		defer func() {
			if r := recover(); r != nil {
				p.log.Error("panic renewing the poller lease", zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
				cancel()
			}
		}()
		lastOK := time.Now()
		t := time.NewTicker(p.renewEvery())
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			held, err := p.renew(ctx)
			switch {
			case err == nil && held:
				lastOK = time.Now()
			case err == nil:
				p.log.Warn("poller lease lost during a cycle; stopping the cycle")
				cancel()
				return
			case time.Since(lastOK) >= p.cfg.LeaseTTL-p.renewEvery():
				p.log.Warn("poller lease could not be renewed; stopping the cycle", zap.Error(err))
				cancel()
				return
			default:
				p.log.Warn("renew poller lease", zap.Error(err))
			}
		}
	}()
	// Deferred, so a panic in the cycle also stops the renewal.
	defer func() {
		close(done)
		<-renewed
	}()
	return p.poll(ctx)
}

// renewEvery is how often the lease is renewed, and how often a node
// without it asks again.
func (p *Poller) renewEvery() time.Duration { return p.cfg.LeaseTTL / 3 }

// acquire takes or renews the lease for the loop and records whether the
// loop leads, logging changes.
func (p *Poller) acquire(ctx context.Context) bool {
	p.leadMu.Lock()
	defer p.leadMu.Unlock()
	held, err := p.renewLocked(ctx)
	if err != nil {
		if ctx.Err() == nil {
			p.log.Warn("take poller lease", zap.Error(err))
		}
		held = false
	}
	if held != p.leading {
		if held {
			p.log.Info("poller lease taken: this node polls", zap.String("holder", p.holder))
		} else {
			p.log.Info("poller lease not held: another node polls", zap.String("holder", p.holder))
		}
	}
	p.leading = held
	return held
}

// renew takes or renews the lease without changing whether the loop leads.
func (p *Poller) renew(ctx context.Context) (bool, error) {
	p.leadMu.Lock()
	defer p.leadMu.Unlock()
	return p.renewLocked(ctx)
}

func (p *Poller) renewLocked(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, p.renewEvery())
	defer cancel()
	held, err := p.live.AcquireLease(ctx, LeaseName, p.holder, p.cfg.LeaseTTL)
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", LeaseName, err)
	}
	return held, nil
}

// releaseUnlessLeading gives back the lease PollNow took, unless the loop
// leads and keeps it. The check and the release happen under leadMu, so the
// loop cannot take the lease in between and then find it gone.
func (p *Poller) releaseUnlessLeading(ctx context.Context) {
	p.leadMu.Lock()
	defer p.leadMu.Unlock()
	if !p.leading {
		p.releaseLocked(ctx)
	}
}

// release gives the lease back when the loop stops.
func (p *Poller) release(ctx context.Context) {
	p.leadMu.Lock()
	defer p.leadMu.Unlock()
	p.leading = false
	p.releaseLocked(ctx)
}

func (p *Poller) releaseLocked(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if err := p.live.ReleaseLease(ctx, LeaseName, p.holder); err != nil {
		p.log.Warn("release poller lease", zap.Error(err))
	}
}

// sleep waits for d or until ctx is done, and reports whether ctx is still
// live.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

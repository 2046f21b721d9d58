package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// loadFlushEvery is how long load increments may wait in memory before
// AddServerLoad writes them. Every join adds load; writing each one would
// queue the whole API behind the single write connection, while one write
// every loadFlushEvery carries any number of them.
const loadFlushEvery = 100 * time.Millisecond

// pendingLoads holds load increments not yet written. Readers add them to
// what they read, so every read sees exactly what a written increment would
// give; the database catches up at the next flush.
type pendingLoads struct {
	// flush is held for writing while a flush moves increments from memory
	// to the database, and for reading around a read plus its adjustment,
	// so no reader counts an increment twice (or not at all).
	flush sync.RWMutex

	mu     sync.Mutex
	deltas map[string]float64
	oldest time.Time
}

// add records an increment and reports whether a flush is due.
func (p *pendingLoads) add(id string, delta float64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.deltas == nil {
		p.deltas = map[string]float64{}
	}
	if len(p.deltas) == 0 {
		p.oldest = time.Now()
	}
	p.deltas[id] += delta
	return time.Since(p.oldest) >= loadFlushEvery
}

// of returns the increments pending for a server.
func (p *pendingLoads) of(id string) float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.deltas[id]
}

// snapshot returns the pending increments, of ids only when any are given.
func (p *pendingLoads) snapshot(ids ...string) map[string]float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]float64{}
	for id, d := range p.deltas {
		if len(ids) == 0 || slices.Contains(ids, id) {
			out[id] = d
		}
	}
	return out
}

// settle removes increments that are now written, keeping any that arrived
// meanwhile.
func (p *pendingLoads) settle(written map[string]float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, d := range written {
		if left := p.deltas[id] - d; left != 0 {
			p.deltas[id] = left
		} else {
			delete(p.deltas, id)
		}
	}
	p.oldest = time.Now()
}

// drop forgets a server's increments (the server is gone).
func (p *pendingLoads) drop(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.deltas, id)
}

// adjust adds the pending increments to servers read from the database. Like
// a written increment, one counts only while the server is online.
func (p *pendingLoads) adjust(servers ...*store.Server) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range servers {
		if s.Online {
			s.Load += p.deltas[s.ID]
		}
	}
}

// flushLoads writes the pending increments (of ids only, when given) in one
// transaction.
func (s *Store) flushLoads(ctx context.Context, ids ...string) error {
	s.loads.flush.Lock()
	defer s.loads.flush.Unlock()
	pending := s.loads.snapshot(ids...)
	if len(pending) == 0 {
		return nil
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		for id, d := range pending {
			if _, err := tx.ExecContext(ctx, `UPDATE servers SET load = load + ? WHERE id = ? AND online = 1`, d, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.loads.settle(pending)
	// Cached servers hold the written load: they are stale now.
	s.lookups.serversChanged()
	return nil
}

// readServers runs read, which reads servers from the database, and adds the
// pending increments to what it returns.
func (s *Store) readServers(read func() ([]*store.Server, error)) error {
	s.loads.flush.RLock()
	defer s.loads.flush.RUnlock()
	servers, err := read()
	if err != nil {
		return err
	}
	s.loads.adjust(servers...)
	return nil
}

// sortPlaceable orders servers by load, then id, as PlaceableServers returns
// them; pending increments can change the database's order.
func sortPlaceable(servers []store.Server) {
	slices.SortFunc(servers, func(a, b store.Server) int {
		switch {
		case a.Load < b.Load:
			return -1
		case a.Load > b.Load:
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
}

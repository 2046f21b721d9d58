package sqlite

import (
	"sync"
	"sync/atomic"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// lookupCacheSize bounds the meeting lookups kept; the cache starts over
// when it is full.
const lookupCacheSize = 20000

// lookupCache keeps the answers of MeetingServer, found or not, which every
// join, isMeetingRunning and getMeetingInfo asks. An answer stays valid while
// no write has touched the meetings or the servers since it was read: every
// such write bumps a generation when it is done, and a lookup records the
// generations it started from. Reading the generations before the database
// and bumping them after the commit means a lookup racing a write can only
// be recorded as stale, never served as fresh. One store is the only writer
// of its file (the app keeps one per file), so no write goes unseen.
type lookupCache struct {
	meetingsGen atomic.Uint64
	serversGen  atomic.Uint64

	mu      sync.Mutex
	entries map[[2]string]lookup
}

// lookup is one MeetingServer answer as read from the database.
type lookup struct {
	meeting     store.Meeting
	server      store.Server
	found       bool
	meetingsGen uint64
	serversGen  uint64
}

// generations returns the current generations, read before the database.
func (c *lookupCache) generations() (meetings, servers uint64) {
	return c.meetingsGen.Load(), c.serversGen.Load()
}

// meetingsChanged and serversChanged are deferred by every write to those
// tables, so they run once it is committed (or failed).
func (c *lookupCache) meetingsChanged() { c.meetingsGen.Add(1) }
func (c *lookupCache) serversChanged()  { c.serversGen.Add(1) }

// get returns the answer for (tenant, id) if one read at the current
// generations is kept.
func (c *lookupCache) get(tenant, id string, meetingsGen, serversGen uint64) (lookup, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.entries[[2]string{tenant, id}]
	if !ok || l.meetingsGen != meetingsGen || l.serversGen != serversGen {
		return lookup{}, false
	}
	return l, true
}

// put keeps an answer read at the given generations.
func (c *lookupCache) put(tenant, id string, l lookup) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= lookupCacheSize {
		c.entries = make(map[[2]string]lookup)
	}
	c.entries[[2]string{tenant, id}] = l
}

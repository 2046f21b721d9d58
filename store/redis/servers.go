package redis

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// maxUpdateAttempts bounds the optimistic retries of UpdateServer. Each lost
// attempt means another write to the same server won, so even heavy
// contention settles long before this; the context's deadline bounds it too.
const maxUpdateAttempts = 1000

// Servers returns every server, ordered by id.
func (s *Store) Servers(ctx context.Context) ([]store.Server, error) {
	ids, err := s.rdb.ZRange(ctx, s.key("servers"), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: list servers: %w", err)
	}
	out, err := s.fetchServers(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("redis: list servers: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Server) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Server returns one server or store.ErrNotFound.
func (s *Store) Server(ctx context.Context, id string) (store.Server, error) {
	h, err := s.rdb.HGetAll(ctx, s.key("server:", id)).Result()
	if err != nil {
		return store.Server{}, fmt.Errorf("redis: server %s: %w", id, err)
	}
	if len(h) == 0 {
		return store.Server{}, fmt.Errorf("redis: server %s: %w", id, store.ErrNotFound)
	}
	srv, err := decodeServer(id, h)
	if err != nil {
		return store.Server{}, fmt.Errorf("redis: %w", err)
	}
	return srv, nil
}

// fetchServers reads the hashes of ids in one pipeline, leaving out servers
// deleted since the ids were listed.
func (s *Store) fetchServers(ctx context.Context, ids []string) ([]store.Server, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*goredis.MapStringStringCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HGetAll(ctx, s.key("server:", id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, err
	}
	out := make([]store.Server, 0, len(ids))
	for i, cmd := range cmds {
		h := cmd.Val()
		if len(h) == 0 {
			continue
		}
		srv, err := decodeServer(ids[i], h)
		if err != nil {
			return nil, err
		}
		out = append(out, srv)
	}
	return out, nil
}

// AddServer stores a new server; store.ErrConflict if the id is taken.
func (s *Store) AddServer(ctx context.Context, srv store.Server) error {
	args := append([]any{s.prefix, srv.ID, boolString(srv.Placeable()), formatFloat(srv.Load)}, serverFields(srv)...)
	n, err := addServerScript.Run(ctx, s.rdb, nil, args...).Int()
	if err != nil {
		return fmt.Errorf("redis: add server %s: %w", srv.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("redis: add server %s: %w", srv.ID, store.ErrConflict)
	}
	return nil
}

// UpdateServer applies fn to the stored server and saves the result in a
// WATCH/MULTI transaction on the server's key, calling fn again with fresh
// data when another write got in between.
func (s *Store) UpdateServer(ctx context.Context, id string, fn func(*store.Server) error) (store.Server, error) {
	key := s.key("server:", id)
	for attempt := 0; attempt < maxUpdateAttempts; attempt++ {
		var out store.Server
		var fnErr error
		err := s.rdb.Watch(ctx, func(tx *goredis.Tx) error {
			h, err := tx.HGetAll(ctx, key).Result()
			if err != nil {
				return err
			}
			if len(h) == 0 {
				return store.ErrNotFound
			}
			srv, err := decodeServer(id, h)
			if err != nil {
				return err
			}
			if err := fn(&srv); err != nil {
				fnErr = err
				return err
			}
			if srv.ID != id {
				return fmt.Errorf("the update changed the id to %s", srv.ID)
			}
			_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
				p.HSet(ctx, key, serverFields(srv)...)
				if srv.Placeable() {
					p.ZAdd(ctx, s.key("placeable"), goredis.Z{Score: srv.Load, Member: id})
				} else {
					p.ZRem(ctx, s.key("placeable"), id)
				}
				return nil
			})
			out = srv
			return err
		}, key)
		switch {
		case fnErr != nil:
			return store.Server{}, fnErr
		case err == nil:
			return out, nil
		case !errors.Is(err, goredis.TxFailedErr):
			return store.Server{}, fmt.Errorf("redis: update server %s: %w", id, err)
		}
		if err := backoff(ctx, attempt); err != nil {
			return store.Server{}, fmt.Errorf("redis: update server %s: %w", id, err)
		}
	}
	return store.Server{}, fmt.Errorf("redis: update server %s: still conflicting after %d attempts", id, maxUpdateAttempts)
}

// backoff waits a short random time before retrying a transaction, so that
// writers that collided do not collide again in lockstep.
func backoff(ctx context.Context, attempt int) error {
	limit := time.Duration(min(attempt+1, 20)) * 50 * time.Microsecond
	t := time.NewTimer(rand.N(limit) + time.Microsecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// DeleteServer removes a server and every binding on it (freeing their
// voice bridges) in one script, and returns the bindings. It returns
// store.ErrNotFound when there was neither the server nor a binding on it.
func (s *Store) DeleteServer(ctx context.Context, id string) ([]store.Meeting, error) {
	existed, removed, err := s.removeServerMeetings(ctx, id, true)
	if err != nil {
		return nil, fmt.Errorf("redis: delete server %s: %w", id, err)
	}
	if !existed && len(removed) == 0 {
		return nil, fmt.Errorf("redis: delete server %s: %w", id, store.ErrNotFound)
	}
	return removed, nil
}

// RemoveServerMeetings removes every binding on a server in one script and
// returns them.
func (s *Store) RemoveServerMeetings(ctx context.Context, serverID string) ([]store.Meeting, error) {
	_, removed, err := s.removeServerMeetings(ctx, serverID, false)
	if err != nil {
		return nil, fmt.Errorf("redis: remove meetings of server %s: %w", serverID, err)
	}
	return removed, nil
}

func (s *Store) removeServerMeetings(ctx context.Context, id string, deleteServer bool) (bool, []store.Meeting, error) {
	v, err := removeServerMeetingsScript.Run(ctx, s.rdb, nil, s.prefix, id, boolString(deleteServer)).Result()
	if err != nil {
		return false, nil, err
	}
	list, err := replyList(v, 2)
	if err != nil {
		return false, nil, err
	}
	existed, _ := list[0].(int64)
	removed, err := meetingsFromReply(list[1])
	if err != nil {
		return false, nil, err
	}
	return existed == 1, removed, nil
}

// PlaceableServers returns the enabled, online servers ordered by load, then
// id: one ZRANGE of the placeable set, then the hashes in one pipeline.
func (s *Store) PlaceableServers(ctx context.Context) ([]store.Server, error) {
	ids, err := s.rdb.ZRange(ctx, s.key("placeable"), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: placeable servers: %w", err)
	}
	all, err := s.fetchServers(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("redis: placeable servers: %w", err)
	}
	// A server may have changed between the two round trips: the hashes are
	// the newer word on both placeability and load.
	out := all[:0]
	for _, srv := range all {
		if srv.Placeable() {
			out = append(out, srv)
		}
	}
	slices.SortStableFunc(out, func(a, b store.Server) int {
		if a.Load != b.Load {
			if a.Load < b.Load {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// AddServerLoad adds delta to an online server's load in one script; it does
// nothing for an unknown or offline server.
func (s *Store) AddServerLoad(ctx context.Context, id string, delta float64) error {
	if err := addServerLoadScript.Run(ctx, s.rdb, nil, s.prefix, id, formatFloat(delta)).Err(); err != nil {
		return fmt.Errorf("redis: add load to server %s: %w", id, err)
	}
	return nil
}

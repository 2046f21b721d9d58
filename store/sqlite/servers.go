package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/caddy-bbb/caddy-bbb/store"
)

const serverColumns = `id, url, secret, tag, state, online, load, load_multiplier,
	meetings, users, largest_meeting, videos, bbb_version, healthy_count, unhealthy_count`

type scanner interface{ Scan(dest ...any) error }

func scanServer(row scanner) (store.Server, error) {
	var s store.Server
	var state string
	err := row.Scan(&s.ID, &s.URL, &s.Secret, &s.Tag, &state, &s.Online, &s.Load, &s.LoadMultiplier,
		&s.Meetings, &s.Users, &s.LargestMeeting, &s.Videos, &s.BBBVersion, &s.HealthyCount, &s.UnhealthyCount)
	s.State = store.ServerState(state)
	return s, err
}

func serverArgs(s store.Server) []any {
	return []any{s.ID, s.URL, s.Secret, s.Tag, string(s.State), boolInt(s.Online), s.Load, s.LoadMultiplier,
		s.Meetings, s.Users, s.LargestMeeting, s.Videos, s.BBBVersion, s.HealthyCount, s.UnhealthyCount}
}

func queryServers(ctx context.Context, q querier, query string, args ...any) ([]store.Server, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Server
	for rows.Next() {
		s, err := scanServer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func getServer(ctx context.Context, q querier, id string) (store.Server, error) {
	s, err := scanServer(q.QueryRowContext(ctx, `SELECT `+serverColumns+` FROM servers WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Server{}, store.ErrNotFound
	}
	return s, err
}

// Servers returns every server, ordered by id.
func (s *Store) Servers(ctx context.Context) ([]store.Server, error) {
	var out []store.Server
	err := s.readServers(func() ([]*store.Server, error) {
		var err error
		out, err = queryServers(ctx, s.reader, `SELECT `+serverColumns+` FROM servers ORDER BY id`)
		return pointers(out), err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: list servers: %w", err)
	}
	return out, nil
}

// Server returns one server or store.ErrNotFound.
func (s *Store) Server(ctx context.Context, id string) (store.Server, error) {
	var srv store.Server
	err := s.readServers(func() ([]*store.Server, error) {
		var err error
		srv, err = getServer(ctx, s.reader, id)
		return []*store.Server{&srv}, err
	})
	if err != nil {
		return store.Server{}, fmt.Errorf("sqlite: server %s: %w", id, err)
	}
	return srv, nil
}

// AddServer stores a new server; store.ErrConflict if the id is taken.
func (s *Store) AddServer(ctx context.Context, srv store.Server) error {
	defer s.lookups.serversChanged()
	_, err := s.writer.ExecContext(ctx, `INSERT INTO servers (`+serverColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, serverArgs(srv)...)
	if isUnique(err) {
		return fmt.Errorf("sqlite: add server %s: %w", srv.ID, store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("sqlite: add server %s: %w", srv.ID, err)
	}
	return nil
}

// UpdateServer applies fn to the stored server inside a write transaction,
// so no concurrent update is lost.
func (s *Store) UpdateServer(ctx context.Context, id string, fn func(*store.Server) error) (store.Server, error) {
	defer s.lookups.serversChanged()
	// fn must see the load with every increment so far.
	if err := s.flushLoads(ctx, id); err != nil {
		return store.Server{}, fmt.Errorf("sqlite: update server %s: %w", id, err)
	}
	var out store.Server
	var fnErr error
	err := s.write(ctx, func(tx *sql.Tx) error {
		srv, err := getServer(ctx, tx, id)
		if err != nil {
			return err
		}
		if fnErr = fn(&srv); fnErr != nil {
			return fnErr
		}
		if srv.ID != id {
			return fmt.Errorf("update must not change the id to %q", srv.ID)
		}
		_, err = tx.ExecContext(ctx, `UPDATE servers SET url = ?, secret = ?, tag = ?, state = ?, online = ?,
			load = ?, load_multiplier = ?, meetings = ?, users = ?, largest_meeting = ?, videos = ?,
			bbb_version = ?, healthy_count = ?, unhealthy_count = ? WHERE id = ?`,
			append(serverArgs(srv)[1:], id)...)
		out = srv
		return err
	})
	if fnErr != nil {
		return store.Server{}, fnErr
	}
	if err != nil {
		return store.Server{}, fmt.Errorf("sqlite: update server %s: %w", id, err)
	}
	return out, nil
}

// DeleteServer removes a server and its meeting bindings (freeing their
// voice bridges) and returns the bindings. It returns store.ErrNotFound when
// there was neither the server nor any binding on it.
func (s *Store) DeleteServer(ctx context.Context, id string) ([]store.Meeting, error) {
	defer s.lookups.meetingsChanged()
	defer s.lookups.serversChanged()
	var removed []store.Meeting
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		removed, err = removeServerMeetings(ctx, tx, id)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM servers WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 && len(removed) == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: delete server %s: %w", id, err)
	}
	s.loads.drop(id)
	return removed, nil
}

// PlaceableServers returns the enabled, online servers ordered by load, then id.
func (s *Store) PlaceableServers(ctx context.Context) ([]store.Server, error) {
	var out []store.Server
	err := s.readServers(func() ([]*store.Server, error) {
		var err error
		out, err = queryServers(ctx, s.reader, `SELECT `+serverColumns+` FROM servers
			WHERE state = 'enabled' AND online = 1`)
		return pointers(out), err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: placeable servers: %w", err)
	}
	sortPlaceable(out)
	return out, nil
}

// AddServerLoad adds delta to an online server's load; it does nothing for an
// unknown or offline server. The increment is visible to every read at once
// and written with others within loadFlushEvery (see pendingLoads).
func (s *Store) AddServerLoad(ctx context.Context, id string, delta float64) error {
	if !s.loads.add(id, delta) {
		return nil
	}
	if err := s.flushLoads(ctx); err != nil {
		return fmt.Errorf("sqlite: add load to server %s: %w", id, err)
	}
	return nil
}

func pointers(servers []store.Server) []*store.Server {
	out := make([]*store.Server, len(servers))
	for i := range servers {
		out[i] = &servers[i]
	}
	return out
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

const meetingColumns = `tenant, id, server_id, moderator_pw, voice_bridge, created_at,
	expected_load, participants, moderators, videos`

// nanos stores a time as nanoseconds since the epoch, the zero time as 0.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func scanMeeting(row scanner) (store.Meeting, error) {
	var m store.Meeting
	var created int64
	err := row.Scan(&m.Tenant, &m.ID, &m.ServerID, &m.ModeratorPW, &m.VoiceBridge, &created,
		&m.ExpectedLoad, &m.Participants, &m.Moderators, &m.Videos)
	m.CreatedAt = fromNanos(created)
	return m, err
}

func queryMeetings(ctx context.Context, q querier, query string, args ...any) ([]store.Meeting, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Meeting
	for rows.Next() {
		m, err := scanMeeting(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func getMeeting(ctx context.Context, q querier, tenant, id string) (store.Meeting, error) {
	m, err := scanMeeting(q.QueryRowContext(ctx, `SELECT `+meetingColumns+` FROM meetings
		WHERE tenant = ? AND id = ?`, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Meeting{}, store.ErrNotFound
	}
	return m, err
}

// BindMeeting binds m unless (m.Tenant, m.ID) is bound already, taking the
// first of bridges no other meeting holds. The write transaction makes the
// check and the insert one step, so concurrent binds of one meeting create it
// once and concurrent binds of different meetings never share a bridge.
func (s *Store) BindMeeting(ctx context.Context, m store.Meeting, bridges []string) (store.Meeting, bool, error) {
	defer s.lookups.meetingsChanged()
	var out store.Meeting
	var created bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		existing, err := getMeeting(ctx, tx, m.Tenant, m.ID)
		if err == nil {
			out = existing
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		bridge, err := freeBridge(ctx, tx, bridges)
		if err != nil {
			return err
		}
		m.VoiceBridge = bridge
		_, err = tx.ExecContext(ctx, `INSERT INTO meetings (`+meetingColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.Tenant, m.ID, m.ServerID, m.ModeratorPW, m.VoiceBridge, nanos(m.CreatedAt),
			m.ExpectedLoad, m.Participants, m.Moderators, m.Videos)
		if err != nil {
			return err
		}
		out, created = m, true
		return nil
	})
	if err != nil {
		return store.Meeting{}, false, fmt.Errorf("sqlite: bind meeting %q of tenant %q: %w", m.ID, m.Tenant, err)
	}
	return out, created, nil
}

// freeBridge returns the first of bridges that no meeting holds.
func freeBridge(ctx context.Context, tx *sql.Tx, bridges []string) (string, error) {
	if len(bridges) == 0 {
		return "", store.ErrNoVoiceBridge
	}
	rows, err := tx.QueryContext(ctx, `SELECT voice_bridge FROM meetings
		WHERE voice_bridge IN (`+placeholders(len(bridges))+`)`, stringArgs(bridges)...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	held := map[string]bool{}
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return "", err
		}
		held[b] = true
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	for _, b := range bridges {
		if !held[b] {
			return b, nil
		}
	}
	return "", store.ErrNoVoiceBridge
}

// Meeting returns the binding of (tenant, id) or store.ErrNotFound.
func (s *Store) Meeting(ctx context.Context, tenant, id string) (store.Meeting, error) {
	m, err := getMeeting(ctx, s.reader, tenant, id)
	if err != nil {
		return store.Meeting{}, fmt.Errorf("sqlite: meeting %q of tenant %q: %w", id, tenant, err)
	}
	return m, nil
}

// MeetingServer returns the binding of (tenant, id) and its server in one
// query, or from the lookup cache when nothing changed since it was read;
// store.ErrNotFound if either is missing.
func (s *Store) MeetingServer(ctx context.Context, tenant, id string) (store.Meeting, store.Server, error) {
	s.loads.flush.RLock()
	defer s.loads.flush.RUnlock()
	meetingsGen, serversGen := s.lookups.generations()
	l, ok := s.lookups.get(tenant, id, meetingsGen, serversGen)
	if !ok {
		var err error
		if l, err = s.readMeetingServer(ctx, tenant, id); err != nil {
			return store.Meeting{}, store.Server{}, fmt.Errorf("sqlite: meeting %q of tenant %q and its server: %w", id, tenant, err)
		}
		l.meetingsGen, l.serversGen = meetingsGen, serversGen
		s.lookups.put(tenant, id, l)
	}
	if !l.found {
		return store.Meeting{}, store.Server{}, fmt.Errorf("sqlite: meeting %q of tenant %q and its server: %w", id, tenant, store.ErrNotFound)
	}
	srv := l.server
	s.loads.adjust(&srv)
	return l.meeting, srv, nil
}

// readMeetingServer reads a binding and its server from the database; a
// missing one is an answer too (found false), not an error.
func (s *Store) readMeetingServer(ctx context.Context, tenant, id string) (lookup, error) {
	var l lookup
	m, srv := &l.meeting, &l.server
	var created int64
	var state string
	row, err := s.readStmts.queryRow(ctx, `SELECT m.tenant, m.id, m.server_id, m.moderator_pw, m.voice_bridge,
			m.created_at, m.expected_load, m.participants, m.moderators, m.videos,
			s.id, s.url, s.secret, s.tag, s.state, s.online, s.load, s.load_multiplier, s.meetings, s.users,
			s.largest_meeting, s.videos, s.bbb_version, s.healthy_count, s.unhealthy_count
		FROM meetings m JOIN servers s ON s.id = m.server_id
		WHERE m.tenant = ? AND m.id = ?`, tenant, id)
	if err == nil {
		err = row.Scan(
			&m.Tenant, &m.ID, &m.ServerID, &m.ModeratorPW, &m.VoiceBridge, &created,
			&m.ExpectedLoad, &m.Participants, &m.Moderators, &m.Videos,
			&srv.ID, &srv.URL, &srv.Secret, &srv.Tag, &state, &srv.Online, &srv.Load, &srv.LoadMultiplier,
			&srv.Meetings, &srv.Users, &srv.LargestMeeting, &srv.Videos, &srv.BBBVersion,
			&srv.HealthyCount, &srv.UnhealthyCount)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return lookup{}, nil
	}
	if err != nil {
		return lookup{}, err
	}
	m.CreatedAt = fromNanos(created)
	srv.State = store.ServerState(state)
	l.found = true
	return l, nil
}

// MeetingByVoiceBridge returns the meeting holding a voice bridge.
func (s *Store) MeetingByVoiceBridge(ctx context.Context, bridge string) (store.Meeting, error) {
	m, err := scanMeeting(s.reader.QueryRowContext(ctx, `SELECT `+meetingColumns+` FROM meetings
		WHERE voice_bridge = ?`, bridge))
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Meeting{}, fmt.Errorf("sqlite: meeting with voice bridge %s: %w", bridge, err)
	}
	return m, nil
}

// Meetings lists bindings, ordered by tenant then id.
func (s *Store) Meetings(ctx context.Context, f store.MeetingFilter) ([]store.Meeting, error) {
	var where []string
	var args []any
	if !f.AnyTenant {
		where, args = append(where, "tenant = ?"), append(args, f.Tenant)
	}
	if f.ServerID != "" {
		where, args = append(where, "server_id = ?"), append(args, f.ServerID)
	}
	if f.ID != "" {
		where, args = append(where, "id = ?"), append(args, f.ID)
	}
	query := `SELECT ` + meetingColumns + ` FROM meetings`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	out, err := queryMeetings(ctx, s.reader, query+` ORDER BY tenant, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list meetings: %w", err)
	}
	return out, nil
}

// DeleteMeeting removes a binding, which frees its voice bridge.
func (s *Store) DeleteMeeting(ctx context.Context, tenant, id string) (store.Meeting, error) {
	defer s.lookups.meetingsChanged()
	m, err := scanMeeting(s.writer.QueryRowContext(ctx, `DELETE FROM meetings WHERE tenant = ? AND id = ?
		RETURNING `+meetingColumns, tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Meeting{}, fmt.Errorf("sqlite: delete meeting %q of tenant %q: %w", id, tenant, err)
	}
	return m, nil
}

// RemoveServerMeetings removes every binding on a server and returns them.
func (s *Store) RemoveServerMeetings(ctx context.Context, serverID string) ([]store.Meeting, error) {
	defer s.lookups.meetingsChanged()
	var removed []store.Meeting
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		removed, err = removeServerMeetings(ctx, tx, serverID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: remove meetings of server %s: %w", serverID, err)
	}
	return removed, nil
}

func removeServerMeetings(ctx context.Context, tx *sql.Tx, serverID string) ([]store.Meeting, error) {
	return queryMeetings(ctx, tx, `DELETE FROM meetings WHERE server_id = ? RETURNING `+meetingColumns, serverID)
}

type meetingKey struct{ tenant, id string }

// SyncServerMeetings updates the live figures of the server's bindings that
// the poll saw and removes the unseen ones created before pollStarted.
func (s *Store) SyncServerMeetings(ctx context.Context, serverID string, pollStarted time.Time, seen []store.MeetingStats) ([]store.Meeting, error) {
	defer s.lookups.meetingsChanged()
	stats := make(map[meetingKey]store.MeetingStats, len(seen))
	for _, st := range seen {
		stats[meetingKey{st.Tenant, st.ID}] = st
	}
	var removed []store.Meeting
	err := s.write(ctx, func(tx *sql.Tx) error {
		bound, err := queryMeetings(ctx, tx, `SELECT `+meetingColumns+` FROM meetings WHERE server_id = ?`, serverID)
		if err != nil {
			return err
		}
		for _, m := range bound {
			st, ok := stats[meetingKey{m.Tenant, m.ID}]
			switch {
			case ok:
				if st.Participants == m.Participants && st.Moderators == m.Moderators && st.Videos == m.Videos {
					continue
				}
				_, err = tx.ExecContext(ctx, `UPDATE meetings SET participants = ?, moderators = ?, videos = ?
					WHERE tenant = ? AND id = ?`, st.Participants, st.Moderators, st.Videos, m.Tenant, m.ID)
			case m.CreatedAt.Before(pollStarted):
				_, err = tx.ExecContext(ctx, `DELETE FROM meetings WHERE tenant = ? AND id = ?`, m.Tenant, m.ID)
				removed = append(removed, m)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: sync meetings of server %s: %w", serverID, err)
	}
	return removed, nil
}

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// QueryRecordings runs a getRecordings query. The count and the page are
// read in one transaction, so the total matches the page.
func (s *Store) QueryRecordings(ctx context.Context, q store.RecordingQuery) ([]store.Recording, int, error) {
	where, args := recordingFilter(q)
	countQuery, countArgs := `SELECT count(*) FROM recordings r`+where, args
	if len(q.MeetingIDs) == 0 && len(q.RecordIDs) == 0 && len(q.Meta) == 0 {
		countQuery, countArgs = recordingCount(q)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	offset := max(q.Offset, 0)
	var recs []store.Recording
	var total int
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, countQuery, countArgs...).Scan(&total); err != nil {
			return err
		}
		if total <= offset {
			return nil
		}
		var err error
		recs, err = loadRecordings(ctx, tx, `SELECT `+recordingColumns+` FROM recordings r`+where+`
			ORDER BY r.start_ms DESC, r.record_id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: query recordings: %w", err)
	}
	return recs, total, nil
}

// recordingCount answers the total of a query that filters only by state and
// tenant from the counts the triggers keep.
func recordingCount(q store.RecordingQuery) (string, []any) {
	var conds []string
	var args []any
	if states := q.StatesToMatch(); states != nil {
		conds = append(conds, `state IN (`+placeholders(len(states))+`)`)
		args = append(args, stringArgs(states)...)
	}
	if q.Tenant != "" {
		conds = append(conds, `tenant_id = ?`)
		args = append(args, q.Tenant)
	}
	query := `SELECT coalesce(sum(n), 0) FROM recording_counts`
	if len(conds) > 0 {
		query += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	return query, args
}

// recordingFilter turns a query into a WHERE clause (with its leading space)
// and its arguments.
func recordingFilter(q store.RecordingQuery) (string, []any) {
	var conds []string
	var args []any
	if states := q.StatesToMatch(); states != nil {
		// The unary + keeps SQLite from choosing an index by state.
		conds = append(conds, `+r.state IN (`+placeholders(len(states))+`)`)
		args = append(args, stringArgs(states)...)
	}
	if len(q.MeetingIDs) > 0 {
		conds = append(conds, `r.meeting_id IN (`+placeholders(len(q.MeetingIDs))+`)`)
		args = append(args, stringArgs(q.MeetingIDs)...)
	}
	if len(q.RecordIDs) > 0 {
		// A prefix is a range of the unique index on record_id: compared
		// byte by byte, so it is case-sensitive and has no wildcards.
		var alts []string
		for _, p := range q.RecordIDs {
			end, bounded := prefixEnd(p)
			switch {
			case p == "":
				alts = append(alts, `1`)
			case bounded:
				alts = append(alts, `(r.record_id >= ? AND r.record_id < ?)`)
				args = append(args, p, end)
			default:
				alts = append(alts, `r.record_id >= ?`)
				args = append(args, p)
			}
		}
		conds = append(conds, `(`+strings.Join(alts, ` OR `)+`)`)
	}
	if q.Tenant != "" {
		// With a more selective filter, the unary plus keeps SQLite (which
		// has no statistics) from scanning the tenant's index instead.
		if len(q.MeetingIDs) > 0 || len(q.RecordIDs) > 0 || len(q.Meta) > 0 {
			conds = append(conds, `+r.tenant_id = ?`)
		} else {
			conds = append(conds, `r.tenant_id = ?`)
		}
		args = append(args, q.Tenant)
	}
	keys := make([]string, 0, len(q.Meta))
	for k := range q.Meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		op, arg := metaMatch(q.Meta[k])
		// Driven by the (key, value) index: the matching ids first.
		conds = append(conds, `r.id IN (SELECT m.recording_id FROM recording_metadata m
			WHERE m.key = ? AND m.value `+op+` ?)`)
		args = append(args, k, arg)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return ` WHERE ` + strings.Join(conds, ` AND `), args
}

// prefixEnd returns the smallest string greater than every string starting
// with p, or false when there is none (p is all 0xff bytes).
func prefixEnd(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// metaMatch turns a meta filter value into an SQL operator and argument: a
// value starting and/or ending with % matches with a wildcard there, any other
// character literally (GLOB, so case-sensitive like the exact match).
func metaMatch(v string) (string, string) {
	lead := strings.HasPrefix(v, "%")
	if lead {
		v = v[1:]
	}
	trail := strings.HasSuffix(v, "%")
	if trail {
		v = v[:len(v)-1]
	}
	if !lead && !trail {
		return "=", v
	}
	var b strings.Builder
	if lead {
		b.WriteByte('*')
	}
	for _, r := range v {
		switch r {
		case '*', '?', '[':
			b.WriteByte('[')
			b.WriteRune(r)
			b.WriteByte(']')
		default:
			b.WriteRune(r)
		}
	}
	if trail {
		b.WriteByte('*')
	}
	return "GLOB", b.String()
}

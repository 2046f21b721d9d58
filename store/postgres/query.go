package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// QueryRecordings runs a getRecordings query in two round trips whatever the
// page size: the page first, then its metadata and formats, looked up by row
// id, together with the count of all matches when the page alone does not
// tell it.
func (s *Store) QueryRecordings(ctx context.Context, q store.RecordingQuery) ([]store.Recording, int, error) {
	where, args := queryFilter(q)
	pageSQL := `SELECT ` + recordingColumns + ` FROM recordings r WHERE ` + where + ` ORDER BY ` + listingOrder
	pageArgs := slices.Clip(args) // the count keeps args without limit and offset
	offset := max(q.Offset, 0)
	if q.Limit > 0 {
		pageArgs = append(pageArgs, q.Limit)
		pageSQL += ` LIMIT $` + strconv.Itoa(len(pageArgs))
	}
	if offset > 0 {
		pageArgs = append(pageArgs, offset)
		pageSQL += ` OFFSET $` + strconv.Itoa(len(pageArgs))
	}
	rows, err := s.pool.Query(ctx, pageSQL, pageArgs...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: query recordings: %w", err)
	}
	p, err := scanRecordings(rows)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: query recordings: %w", err)
	}

	// A page cut short by the end of the matches (and not past it) ends at
	// the total: no need to count.
	total := offset + len(p.recs)
	needCount := q.Limit > 0 && (len(p.recs) == q.Limit || (len(p.recs) == 0 && offset > 0))
	if !needCount && len(p.ids) == 0 {
		return nil, total, nil
	}
	b := &pgx.Batch{}
	if needCount {
		b.Queue(`SELECT count(*) FROM recordings r WHERE `+where, args...)
	}
	if len(p.ids) > 0 {
		b.Queue(`SELECT recording_id, key, value FROM recording_metadata WHERE recording_id = ANY($1)`, p.ids)
		b.Queue(`SELECT recording_id, format, url, length, processing_time, previews FROM playback_formats
			WHERE recording_id = ANY($1) ORDER BY recording_id, format`, p.ids)
	}
	br := s.pool.SendBatch(ctx, b)
	err = func() error {
		if needCount {
			if err := br.QueryRow().Scan(&total); err != nil {
				return fmt.Errorf("count: %w", err)
			}
		}
		if len(p.ids) == 0 {
			return nil
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		if err := p.scanMetadata(rows); err != nil {
			return err
		}
		if rows, err = br.Query(); err != nil {
			return err
		}
		return p.scanFormats(rows)
	}()
	if err = errors.Join(err, br.Close()); err != nil {
		return nil, 0, fmt.Errorf("postgres: query recordings: %w", err)
	}
	return p.recs, total, nil
}

// queryFilter turns the conditions of q into a WHERE clause on recordings r
// and its arguments. Every condition is a parameter, never spliced text.
func queryFilter(q store.RecordingQuery) (string, []any) {
	var (
		conds []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}

	if len(q.MeetingIDs) > 0 {
		conds = append(conds, "r.meeting_id = ANY("+arg(q.MeetingIDs)+")")
	}
	if len(q.RecordIDs) > 0 {
		// One LIKE per prefix: the planner turns each into an index range,
		// which LIKE ANY(array) would not get.
		var ors []string
		for _, id := range q.RecordIDs {
			ors = append(ors, "r.record_id LIKE "+arg(escapeLike(id)+"%"))
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	if states := q.StatesToMatch(); states != nil {
		conds = append(conds, "r.state = ANY("+arg(states)+")")
	}
	if q.Tenant != "" {
		conds = append(conds, "r.tenant_id = "+arg(q.Tenant))
	}
	keys := make([]string, 0, len(q.Meta))
	for k := range q.Meta {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the same filters give the same statement text
	for _, k := range keys {
		conds = append(conds, "EXISTS (SELECT 1 FROM recording_metadata m WHERE m.recording_id = r.id AND m.key = "+
			arg(k)+" AND "+metaMatch(q.Meta[k], arg)+")")
	}
	if len(conds) == 0 {
		return "true", nil
	}
	return strings.Join(conds, " AND "), args
}

// metaIndexChars is how much of a metadata value its value_head column, and
// so the (key, value) index, holds; it must match the migration.
const metaIndexChars = 256

// metaMatch returns the condition on metadata row m for a meta filter value.
// A value or fixed prefix shorter than value_head is matched on value_head
// alone, which is the same test and an index-only one.
func metaMatch(filter string, arg func(any) string) string {
	v, exact := metaPattern(filter)
	switch {
	case exact && utf8.RuneCountInString(v) < metaIndexChars:
		return "m.value_head = " + arg(v)
	case exact:
		p := arg(v)
		return "m.value_head = left(" + p + ", " + strconv.Itoa(metaIndexChars) + ") AND m.value = " + p
	case !strings.HasPrefix(v, "%") && utf8.RuneCountInString(v) <= metaIndexChars:
		// An escaped pattern is no shorter than its fixed prefix.
		return "m.value_head LIKE " + arg(v)
	default:
		return "m.value LIKE " + arg(v)
	}
}

// metaPattern reads a meta filter value: a leading and/or trailing % is a
// wildcard, everything else is literal. It returns the value to compare with
// and whether that is an exact comparison, or else a LIKE pattern.
func metaPattern(v string) (string, bool) {
	rest, lead := strings.CutPrefix(v, "%")
	rest, trail := strings.CutSuffix(rest, "%")
	if !lead && !trail {
		return v, true
	}
	p := escapeLike(rest)
	if lead {
		p = "%" + p
	}
	if trail {
		p += "%"
	}
	return p, false
}

// escapeLike makes s match itself in a LIKE pattern with PostgreSQL's
// default escape character, the backslash.
func escapeLike(s string) string {
	if !strings.ContainsAny(s, `\%_`) {
		return s
	}
	var b strings.Builder
	for i := range len(s) {
		if c := s[i]; c == '\\' || c == '%' || c == '_' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/internal/previews"
)

const recordingColumns = `r.id, r.record_id, r.meeting_id, r.name, r.published, r.protected, r.state,
	r.participants, r.start_ms, r.end_ms, r.publish_updated, r.protect_updated, r.updated_ms`

// millis stores a recording time as milliseconds since the epoch, the zero
// time as 0.
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// loadRecordings runs a query selecting recordingColumns and fills in each
// recording's metadata and formats, keeping the query's order.
func loadRecordings(ctx context.Context, q querier, query string, args ...any) ([]store.Recording, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var recs []store.Recording
	var ids []any
	index := map[int64]int{}
	for rows.Next() {
		var r store.Recording
		var id, start, end, updated int64
		if err := rows.Scan(&id, &r.RecordID, &r.MeetingID, &r.Name, &r.Published, &r.Protected, &r.State,
			&r.Participants, &start, &end, &r.PublishUpdated, &r.ProtectUpdated, &updated); err != nil {
			rows.Close()
			return nil, err
		}
		r.StartTime, r.EndTime, r.UpdatedAt = fromMillis(start), fromMillis(end), fromMillis(updated)
		r.Metadata = map[string]string{}
		index[id] = len(recs)
		recs = append(recs, r)
		ids = append(ids, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, nil
	}
	in := placeholders(len(ids))

	rows, err = q.QueryContext(ctx, `SELECT recording_id, key, value FROM recording_metadata
		WHERE recording_id IN (`+in+`)`, ids...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var k, v string
		if err := rows.Scan(&id, &k, &v); err != nil {
			rows.Close()
			return nil, err
		}
		recs[index[id]].Metadata[k] = v
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}

	rows, err = q.QueryContext(ctx, `SELECT recording_id, format, url, length, processing_time, previews
		FROM playback_formats WHERE recording_id IN (`+in+`) ORDER BY recording_id, format`, ids...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var f store.PlaybackFormat
		var stored []byte
		if err := rows.Scan(&id, &f.Format, &f.URL, &f.Length, &f.ProcessingTime, &stored); err != nil {
			rows.Close()
			return nil, err
		}
		if f.Previews, err = previews.Decode(stored); err != nil {
			rows.Close()
			return nil, fmt.Errorf("decode previews of format %s: %w", f.Format, err)
		}
		r := &recs[index[id]]
		r.Formats = append(r.Formats, f)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	return recs, nil
}

func getRecording(ctx context.Context, q querier, recordID string) (store.Recording, error) {
	recs, err := loadRecordings(ctx, q, `SELECT `+recordingColumns+` FROM recordings r WHERE r.record_id = ?`, recordID)
	if err != nil {
		return store.Recording{}, err
	}
	if len(recs) == 0 {
		return store.Recording{}, store.ErrNotFound
	}
	return recs[0], nil
}

// UpsertRecording stores an imported recording, merging it with the stored
// one in one transaction.
func (s *Store) UpsertRecording(ctx context.Context, r store.Recording) (store.Recording, error) {
	var out store.Recording
	err := s.write(ctx, func(tx *sql.Tx) error {
		var id int64
		var published, protected, publishUpdated, protectUpdated bool
		err := tx.QueryRowContext(ctx, `SELECT id, published, protected, publish_updated, protect_updated
			FROM recordings WHERE record_id = ?`, r.RecordID).Scan(&id, &published, &protected, &publishUpdated, &protectUpdated)
		now := time.Now().UnixMilli()
		switch {
		case errors.Is(err, sql.ErrNoRows):
			err = tx.QueryRowContext(ctx, `INSERT INTO recordings (record_id, meeting_id, name, published, protected,
					state, participants, start_ms, end_ms, publish_updated, protect_updated, updated_ms)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				r.RecordID, r.MeetingID, r.Name, boolInt(r.Published), boolInt(r.Protected), r.State, r.Participants,
				millis(r.StartTime), millis(r.EndTime), boolInt(r.PublishUpdated), boolInt(r.ProtectUpdated), now).Scan(&id)
		case err == nil:
			if publishUpdated {
				// publishRecordings decided; keep its state in line.
				r.Published = published
				if r.State == "published" || r.State == "unpublished" {
					r.State = publishedState(published)
				}
			}
			if protectUpdated {
				r.Protected = protected
			}
			_, err = tx.ExecContext(ctx, `UPDATE recordings SET meeting_id = ?, name = ?, published = ?, protected = ?,
					state = ?, participants = ?, start_ms = ?, end_ms = ?, publish_updated = ?, protect_updated = ?,
					updated_ms = ?
				WHERE id = ?`,
				r.MeetingID, r.Name, boolInt(r.Published), boolInt(r.Protected), r.State, r.Participants,
				millis(r.StartTime), millis(r.EndTime), boolInt(r.PublishUpdated || publishUpdated),
				boolInt(r.ProtectUpdated || protectUpdated), now, id)
		}
		if err != nil {
			return err
		}
		for k, v := range r.Metadata {
			if _, err := tx.ExecContext(ctx, `INSERT INTO recording_metadata (recording_id, key, value) VALUES (?, ?, ?)
				ON CONFLICT (recording_id, key) DO UPDATE SET value = excluded.value`, id, k, v); err != nil {
				return err
			}
		}
		for _, f := range r.Formats {
			stored, err := previews.Encode(f.Previews)
			if err != nil {
				return fmt.Errorf("encode previews of format %s: %w", f.Format, err)
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO playback_formats (recording_id, format, url, length, processing_time, previews)
				VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (recording_id, format) DO UPDATE SET url = excluded.url, length = excluded.length,
					processing_time = excluded.processing_time, previews = excluded.previews`,
				id, f.Format, f.URL, f.Length, f.ProcessingTime, stored)
			if err != nil {
				return err
			}
		}
		if err := refreshTenant(ctx, tx, `id = ?`, id); err != nil {
			return err
		}
		out, err = getRecording(ctx, tx, r.RecordID)
		return err
	})
	if err != nil {
		return store.Recording{}, fmt.Errorf("sqlite: upsert recording %s: %w", r.RecordID, err)
	}
	return out, nil
}

func publishedState(published bool) string {
	if published {
		return "published"
	}
	return "unpublished"
}

// refreshTenant copies the tenant-id metadata into the tenant_id column of
// the recordings matching where.
func refreshTenant(ctx context.Context, tx *sql.Tx, where string, args ...any) error {
	_, err := tx.ExecContext(ctx, `UPDATE recordings SET tenant_id = coalesce((SELECT m.value FROM recording_metadata m
		WHERE m.recording_id = recordings.id AND m.key = 'tenant-id'), '') WHERE `+where, args...)
	return err
}

// Recording returns one recording by exact id or store.ErrNotFound.
func (s *Store) Recording(ctx context.Context, recordID string) (store.Recording, error) {
	var r store.Recording
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = getRecording(ctx, tx, recordID)
		return err
	})
	if err != nil {
		return store.Recording{}, fmt.Errorf("sqlite: recording %s: %w", recordID, err)
	}
	return r, nil
}

// FindRecordings returns the recordings with exactly these ids, in any
// state; with tenant != "" only that tenant's. They come ordered by id.
func (s *Store) FindRecordings(ctx context.Context, recordIDs []string, tenant string) ([]store.Recording, error) {
	if len(recordIDs) == 0 {
		return nil, nil
	}
	query := `SELECT ` + recordingColumns + ` FROM recordings r WHERE r.record_id IN (` + placeholders(len(recordIDs)) + `)`
	args := stringArgs(recordIDs)
	if tenant != "" {
		// The ids are the selective part: keep SQLite off the tenant index.
		query += ` AND +r.tenant_id = ?`
		args = append(args, tenant)
	}
	var out []store.Recording
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = loadRecordings(ctx, tx, query+` ORDER BY r.record_id`, args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: find recordings: %w", err)
	}
	return out, nil
}

// updateRecordings runs one UPDATE of recordings on the given record ids.
func (s *Store) updateRecordings(ctx context.Context, what string, recordIDs []string, set string, args ...any) error {
	if len(recordIDs) == 0 {
		return nil
	}
	args = append(args, time.Now().UnixMilli())
	args = append(args, stringArgs(recordIDs)...)
	_, err := s.writer.ExecContext(ctx, `UPDATE recordings SET `+set+`, updated_ms = ?
		WHERE record_id IN (`+placeholders(len(recordIDs))+`)`, args...)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return nil
}

// SetPublished sets Published, PublishUpdated and State of the recordings.
func (s *Store) SetPublished(ctx context.Context, recordIDs []string, published bool) error {
	return s.updateRecordings(ctx, "set published", recordIDs,
		`published = ?, publish_updated = 1, state = ?`, boolInt(published), publishedState(published))
}

// SetProtected sets Protected and ProtectUpdated of the recordings.
func (s *Store) SetProtected(ctx context.Context, recordIDs []string, protected bool) error {
	return s.updateRecordings(ctx, "set protected", recordIDs,
		`protected = ?, protect_updated = 1`, boolInt(protected))
}

// MarkDeleted sets the state of the recordings to deleted and Published to
// false; the rows stay.
func (s *Store) MarkDeleted(ctx context.Context, recordIDs []string) error {
	return s.updateRecordings(ctx, "mark deleted", recordIDs, `state = 'deleted', published = 0`)
}

// UpdateMetadata sets (non-empty value) or deletes (empty value) metadata
// keys on the recordings.
func (s *Store) UpdateMetadata(ctx context.Context, recordIDs []string, meta map[string]string) error {
	if len(recordIDs) == 0 || len(meta) == 0 {
		return nil
	}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	in := `(SELECT id FROM recordings WHERE record_id IN (` + placeholders(len(recordIDs)) + `))`
	ids := stringArgs(recordIDs)
	err := s.write(ctx, func(tx *sql.Tx) error {
		for _, k := range keys {
			var err error
			if v := meta[k]; v == "" {
				_, err = tx.ExecContext(ctx, `DELETE FROM recording_metadata WHERE key = ? AND recording_id IN `+in,
					append([]any{k}, ids...)...)
			} else {
				// The SELECT needs its WHERE for SQLite to read ON as the upsert.
				_, err = tx.ExecContext(ctx, `INSERT INTO recording_metadata (recording_id, key, value)
					SELECT id, ?, ? FROM recordings WHERE record_id IN (`+placeholders(len(recordIDs))+`)
					ON CONFLICT (recording_id, key) DO UPDATE SET value = excluded.value`,
					append([]any{k, v}, ids...)...)
			}
			if err != nil {
				return fmt.Errorf("key %s: %w", k, err)
			}
		}
		args := append([]any{time.Now().UnixMilli()}, ids...)
		if _, err := tx.ExecContext(ctx, `UPDATE recordings SET updated_ms = ? WHERE record_id IN (`+
			placeholders(len(recordIDs))+`)`, args...); err != nil {
			return err
		}
		return refreshTenant(ctx, tx, `record_id IN (`+placeholders(len(recordIDs))+`)`, ids...)
	})
	if err != nil {
		return fmt.Errorf("sqlite: update metadata: %w", err)
	}
	return nil
}

// AssignTenant gives every recording without a tenant the tenant-id (and,
// when tenantName is set, tenant-name) metadata, and returns how many it
// changed.
func (s *Store) AssignTenant(ctx context.Context, tenantID, tenantName string) (int, error) {
	if tenantID == "" {
		return 0, errors.New("sqlite: assign tenant: empty tenant id")
	}
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		meta := [][2]string{{"tenant-id", tenantID}}
		if tenantName != "" {
			meta = append(meta, [2]string{"tenant-name", tenantName})
		}
		for _, kv := range meta {
			_, err := tx.ExecContext(ctx, `INSERT INTO recording_metadata (recording_id, key, value)
				SELECT id, ?, ? FROM recordings WHERE tenant_id = ''
				ON CONFLICT (recording_id, key) DO UPDATE SET value = excluded.value`, kv[0], kv[1])
			if err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE recordings SET tenant_id = ?, updated_ms = ? WHERE tenant_id = ''`,
			tenantID, time.Now().UnixMilli())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: assign tenant %s: %w", tenantID, err)
	}
	return int(n), nil
}

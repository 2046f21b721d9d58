package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/internal/previews"
)

// Reading recordings by exact record id (and by tenant unless $2 is empty):
// the rows, then their metadata and formats, sent together in one batch.
const (
	selectByRecordIDs = `SELECT ` + recordingColumns + ` FROM recordings r
		WHERE r.record_id = ANY($1) AND ($2 = '' OR r.tenant_id = $2)
		ORDER BY ` + listingOrder
	metadataByRecordIDs = `SELECT m.recording_id, m.key, m.value
		FROM recording_metadata m JOIN recordings r ON r.id = m.recording_id
		WHERE r.record_id = ANY($1) AND ($2 = '' OR r.tenant_id = $2)`
	formatsByRecordIDs = `SELECT f.recording_id, f.format, f.url, f.length, f.processing_time, f.previews
		FROM playback_formats f JOIN recordings r ON r.id = f.recording_id
		WHERE r.record_id = ANY($1) AND ($2 = '' OR r.tenant_id = $2)
		ORDER BY f.recording_id, f.format`
)

// queueLoad queues the three reads of recordings by record id on b; readLoad
// reads their results in the same order.
func queueLoad(b *pgx.Batch, recordIDs []string, tenant string) {
	b.Queue(selectByRecordIDs, recordIDs, tenant)
	b.Queue(metadataByRecordIDs, recordIDs, tenant)
	b.Queue(formatsByRecordIDs, recordIDs, tenant)
}

func readLoad(br pgx.BatchResults) ([]store.Recording, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	p, err := scanRecordings(rows)
	if err != nil {
		return nil, err
	}
	if rows, err = br.Query(); err != nil {
		return nil, err
	}
	if err := p.scanMetadata(rows); err != nil {
		return nil, err
	}
	if rows, err = br.Query(); err != nil {
		return nil, err
	}
	if err := p.scanFormats(rows); err != nil {
		return nil, err
	}
	return p.recs, nil
}

// load reads the recordings with these record ids.
func (s *Store) load(ctx context.Context, recordIDs []string, tenant string) ([]store.Recording, error) {
	b := &pgx.Batch{}
	queueLoad(b, recordIDs, tenant)
	br := s.pool.SendBatch(ctx, b)
	recs, err := readLoad(br)
	return recs, errors.Join(err, br.Close())
}

// upsertRecording inserts a recording or merges it into the stored one. $13
// says whether the import carries tenant-id, which then replaces the stored
// tenant; otherwise the stored one stays, as its metadata row does.
const upsertRecording = `INSERT INTO recordings AS r (record_id, meeting_id, tenant_id, name, published,
		protected, state, participants, start_time, end_time, publish_updated, protect_updated)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
	ON CONFLICT (record_id) DO UPDATE SET
		meeting_id = excluded.meeting_id,
		tenant_id = CASE WHEN $13 THEN excluded.tenant_id ELSE r.tenant_id END,
		name = excluded.name,
		published = CASE WHEN r.publish_updated THEN r.published ELSE excluded.published END,
		-- A recording (un)published through the API stays so: its state
		-- follows the kept flag rather than the import.
		state = CASE WHEN r.publish_updated AND excluded.state IN ('published', 'unpublished')
			THEN CASE WHEN r.published THEN 'published' ELSE 'unpublished' END
			ELSE excluded.state END,
		protected = CASE WHEN r.protect_updated THEN r.protected ELSE excluded.protected END,
		participants = excluded.participants,
		start_time = excluded.start_time,
		end_time = excluded.end_time,
		publish_updated = r.publish_updated OR excluded.publish_updated,
		protect_updated = r.protect_updated OR excluded.protect_updated,
		updated_at = now()`

const upsertMetadata = `INSERT INTO recording_metadata (recording_id, key, value)
	SELECT r.id, kv.key, kv.value
	FROM recordings r, unnest($2::text[], $3::text[]) AS kv(key, value)
	WHERE r.record_id = $1
	ON CONFLICT (recording_id, key) DO UPDATE SET value = excluded.value`

const upsertFormats = `INSERT INTO playback_formats (recording_id, format, url, length, processing_time, previews)
	SELECT r.id, f.format, f.url, f.length, f.processing_time, f.previews::jsonb
	FROM recordings r,
		unnest($2::text[], $3::text[], $4::integer[], $5::integer[], $6::text[])
			AS f(format, url, length, processing_time, previews)
	WHERE r.record_id = $1
	ON CONFLICT (recording_id, format) DO UPDATE SET
		url = excluded.url, length = excluded.length,
		processing_time = excluded.processing_time, previews = excluded.previews`

// UpsertRecording stores an imported recording, merging it with the stored
// one, and returns the result. The writes and the read-back go in one batch,
// which PostgreSQL runs as one transaction.
func (s *Store) UpsertRecording(ctx context.Context, r store.Recording) (store.Recording, error) {
	b := &pgx.Batch{}
	if err := queueUpsert(b, r); err != nil {
		return store.Recording{}, fmt.Errorf("postgres: upsert recording %q: %w", r.RecordID, err)
	}
	queueLoad(b, []string{r.RecordID}, "")
	br := s.pool.SendBatch(ctx, b)
	recs, err := func() ([]store.Recording, error) {
		for range 3 {
			if _, err := br.Exec(); err != nil {
				return nil, err
			}
		}
		return readLoad(br)
	}()
	if err = errors.Join(err, br.Close()); err != nil {
		return store.Recording{}, fmt.Errorf("postgres: upsert recording %q: %w", r.RecordID, err)
	}
	if len(recs) != 1 {
		return store.Recording{}, fmt.Errorf("postgres: upsert recording %q: read back %d rows", r.RecordID, len(recs))
	}
	return recs[0], nil
}

// queueUpsert queues the three writes of an upsert on b.
func queueUpsert(b *pgx.Batch, r store.Recording) error {
	tenant, hasTenant := r.Metadata["tenant-id"]
	b.Queue(upsertRecording, r.RecordID, r.MeetingID, tenant, r.Name, r.Published, r.Protected, r.State,
		r.Participants, timestamptz(r.StartTime), timestamptz(r.EndTime), r.PublishUpdated, r.ProtectUpdated, hasTenant)

	keys := make([]string, 0, len(r.Metadata))
	for k := range r.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys) // rows are written, and locked, in one order
	values := make([]string, len(keys))
	for i, k := range keys {
		values[i] = r.Metadata[k]
	}
	b.Queue(upsertMetadata, r.RecordID, keys, values)

	formats := slices.Clone(r.Formats)
	sort.Slice(formats, func(i, j int) bool { return formats[i].Format < formats[j].Format })
	var (
		names, urls, stored []string
		lengths, procTimes  []int32
	)
	for _, f := range formats {
		p, err := previews.Encode(f.Previews)
		if err != nil {
			return fmt.Errorf("format %s: %w", f.Format, err)
		}
		names = append(names, f.Format)
		urls = append(urls, f.URL)
		lengths = append(lengths, int32(f.Length))
		procTimes = append(procTimes, int32(f.ProcessingTime))
		stored = append(stored, p)
	}
	b.Queue(upsertFormats, r.RecordID, names, urls, lengths, procTimes, stored)
	return nil
}

// Recording returns one recording by exact id or ErrNotFound.
func (s *Store) Recording(ctx context.Context, recordID string) (store.Recording, error) {
	recs, err := s.load(ctx, []string{recordID}, "")
	if err != nil {
		return store.Recording{}, fmt.Errorf("postgres: recording %q: %w", recordID, err)
	}
	if len(recs) == 0 {
		return store.Recording{}, fmt.Errorf("postgres: recording %q: %w", recordID, store.ErrNotFound)
	}
	return recs[0], nil
}

// FindRecordings returns the recordings with exactly these ids, in any
// state; with tenant != "" only that tenant's.
func (s *Store) FindRecordings(ctx context.Context, recordIDs []string, tenant string) ([]store.Recording, error) {
	if len(recordIDs) == 0 {
		return nil, nil
	}
	recs, err := s.load(ctx, recordIDs, tenant)
	if err != nil {
		return nil, fmt.Errorf("postgres: find recordings: %w", err)
	}
	return recs, nil
}

// SetPublished sets Published, PublishUpdated and State of the recordings.
func (s *Store) SetPublished(ctx context.Context, recordIDs []string, published bool) error {
	return s.exec(ctx, "set published", `UPDATE recordings SET published = $2, publish_updated = true,
		state = CASE WHEN $2 THEN 'published' ELSE 'unpublished' END, updated_at = now()
		WHERE record_id = ANY($1)`, recordIDs, published)
}

// SetProtected sets Protected and ProtectUpdated of the recordings.
func (s *Store) SetProtected(ctx context.Context, recordIDs []string, protected bool) error {
	return s.exec(ctx, "set protected", `UPDATE recordings SET protected = $2, protect_updated = true,
		updated_at = now() WHERE record_id = ANY($1)`, recordIDs, protected)
}

// MarkDeleted sets the state of the recordings to deleted and Published to
// false; rows, metadata and formats stay.
func (s *Store) MarkDeleted(ctx context.Context, recordIDs []string) error {
	return s.exec(ctx, "mark deleted", `UPDATE recordings SET state = 'deleted', published = false,
		updated_at = now() WHERE record_id = ANY($1)`, recordIDs)
}

func (s *Store) exec(ctx context.Context, what, sql string, recordIDs []string, args ...any) error {
	if len(recordIDs) == 0 {
		return nil
	}
	if _, err := s.pool.Exec(ctx, sql, append([]any{recordIDs}, args...)...); err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	return nil
}

// UpdateMetadata sets (non-empty value) or deletes (empty value) metadata
// keys on the recordings, keeping tenant_id in step with tenant-id. The
// statements go in one batch, so one transaction.
func (s *Store) UpdateMetadata(ctx context.Context, recordIDs []string, meta map[string]string) error {
	if len(recordIDs) == 0 || len(meta) == 0 {
		return nil
	}
	var setKeys, setValues, delKeys []string
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v := meta[k]; v != "" {
			setKeys, setValues = append(setKeys, k), append(setValues, v)
		} else {
			delKeys = append(delKeys, k)
		}
	}
	tenant, hasTenant := meta["tenant-id"]

	b := &pgx.Batch{}
	// The recordings rows are locked first, as UpsertRecording does.
	b.Queue(`UPDATE recordings SET updated_at = now(),
		tenant_id = CASE WHEN $2 THEN $3 ELSE tenant_id END
		WHERE record_id = ANY($1)`, recordIDs, hasTenant, tenant)
	if len(delKeys) > 0 {
		b.Queue(`DELETE FROM recording_metadata m USING recordings r
			WHERE m.recording_id = r.id AND r.record_id = ANY($1) AND m.key = ANY($2)`, recordIDs, delKeys)
	}
	if len(setKeys) > 0 {
		b.Queue(`INSERT INTO recording_metadata (recording_id, key, value)
			SELECT r.id, kv.key, kv.value
			FROM recordings r, unnest($2::text[], $3::text[]) AS kv(key, value)
			WHERE r.record_id = ANY($1)
			ON CONFLICT (recording_id, key) DO UPDATE SET value = excluded.value`, recordIDs, setKeys, setValues)
	}
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("postgres: update metadata: %w", err)
	}
	return nil
}

// assignTenant gives every recording without a tenant the tenant-id (and
// tenant-name) metadata in one statement; a concurrent run re-checks the
// locked rows, so no recording is counted twice.
const assignTenant = `WITH orphans AS (
		UPDATE recordings SET tenant_id = $1, updated_at = now()
		WHERE tenant_id = ''
		RETURNING id
	), meta AS (
		INSERT INTO recording_metadata (recording_id, key, value)
		SELECT o.id, kv.key, kv.value
		FROM orphans o, unnest($2::text[], $3::text[]) AS kv(key, value)
		ON CONFLICT (recording_id, key) DO UPDATE SET value = excluded.value
	)
	SELECT count(*) FROM orphans`

// AssignTenant sets tenant-id (and tenant-name, when given) on every
// recording that has no tenant-id and returns how many it changed.
func (s *Store) AssignTenant(ctx context.Context, tenantID, tenantName string) (int, error) {
	if tenantID == "" {
		return 0, errors.New("postgres: assign tenant: empty tenant id")
	}
	keys, values := []string{"tenant-id"}, []string{tenantID}
	if tenantName != "" {
		keys, values = append(keys, "tenant-name"), append(values, tenantName)
	}
	var n int
	if err := s.pool.QueryRow(ctx, assignTenant, tenantID, keys, values).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: assign tenant: %w", err)
	}
	return n, nil
}

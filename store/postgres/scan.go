package postgres

import (
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/internal/previews"
)

// recordingColumns are the recordings columns scanRecordings reads, aliased r.
const recordingColumns = `r.id, r.record_id, r.meeting_id, r.name, r.published, r.protected, r.state,
	r.participants, r.start_time, r.end_time, r.publish_updated, r.protect_updated, r.updated_at`

// listingOrder is getRecordings' order; the listing indexes are built on it.
const listingOrder = `r.start_time DESC NULLS LAST, r.record_id`

// page is recordings read in order, with their row ids so the details can be
// attached afterwards.
type page struct {
	recs []store.Recording
	ids  []int64
	at   map[int64]int // row id → index in recs
}

func scanRecordings(rows pgx.Rows) (page, error) {
	defer rows.Close()
	p := page{at: map[int64]int{}}
	for rows.Next() {
		var (
			r          store.Recording
			id         int64
			start, end pgtype.Timestamptz
		)
		if err := rows.Scan(&id, &r.RecordID, &r.MeetingID, &r.Name, &r.Published, &r.Protected, &r.State,
			&r.Participants, &start, &end, &r.PublishUpdated, &r.ProtectUpdated, &r.UpdatedAt); err != nil {
			return page{}, fmt.Errorf("scan recording: %w", err)
		}
		r.StartTime, r.EndTime, r.UpdatedAt = fromTimestamptz(start), fromTimestamptz(end), r.UpdatedAt.UTC()
		r.Metadata = map[string]string{}
		p.at[id] = len(p.recs)
		p.recs = append(p.recs, r)
		p.ids = append(p.ids, id)
	}
	if err := rows.Err(); err != nil {
		return page{}, fmt.Errorf("read recordings: %w", err)
	}
	return p, nil
}

// scanMetadata reads (recording_id, key, value) rows into p.
func (p page) scanMetadata(rows pgx.Rows) error {
	defer rows.Close()
	for rows.Next() {
		var (
			id         int64
			key, value string
		)
		if err := rows.Scan(&id, &key, &value); err != nil {
			return fmt.Errorf("scan metadata: %w", err)
		}
		if i, ok := p.at[id]; ok {
			p.recs[i].Metadata[key] = value
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read metadata: %w", err)
	}
	return nil
}

// scanFormats reads (recording_id, format, url, length, processing_time,
// previews) rows, ordered by recording and format, into p.
func (p page) scanFormats(rows pgx.Rows) error {
	defer rows.Close()
	for rows.Next() {
		var (
			id     int64
			f      store.PlaybackFormat
			stored []byte
		)
		if err := rows.Scan(&id, &f.Format, &f.URL, &f.Length, &f.ProcessingTime, &stored); err != nil {
			return fmt.Errorf("scan playback format: %w", err)
		}
		var err error
		if f.Previews, err = previews.Decode(stored); err != nil {
			return fmt.Errorf("playback format %s: %w", f.Format, err)
		}
		if i, ok := p.at[id]; ok {
			p.recs[i].Formats = append(p.recs[i].Formats, f)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read playback formats: %w", err)
	}
	return nil
}

// timestamptz stores a zero time as NULL, so it comes back zero.
func timestamptz(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

func fromTimestamptz(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

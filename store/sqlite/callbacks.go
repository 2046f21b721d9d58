package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// PutCallback stores (replaces) the callback data of a meeting.
func (s *Store) PutCallback(ctx context.Context, c store.CallbackData) error {
	_, err := s.writer.ExecContext(ctx, `INSERT OR REPLACE INTO callbacks
		(tenant, meeting_id, recording_ready_url, analytics_url, updated_at) VALUES (?, ?, ?, ?, ?)`,
		c.Tenant, c.MeetingID, c.RecordingReadyURL, c.AnalyticsURL, time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("sqlite: put callback of meeting %q: %w", c.MeetingID, err)
	}
	return nil
}

// Callback returns the callback data of a meeting or store.ErrNotFound.
func (s *Store) Callback(ctx context.Context, tenant, meetingID string) (store.CallbackData, error) {
	c := store.CallbackData{Tenant: tenant, MeetingID: meetingID}
	err := s.reader.QueryRowContext(ctx, `SELECT recording_ready_url, analytics_url FROM callbacks
		WHERE tenant = ? AND meeting_id = ?`, tenant, meetingID).Scan(&c.RecordingReadyURL, &c.AnalyticsURL)
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.CallbackData{}, fmt.Errorf("sqlite: callback of meeting %q: %w", meetingID, err)
	}
	return c, nil
}

// PutReadyCallback stores (replaces) the pending recording-ready callback of
// a recording.
func (s *Store) PutReadyCallback(ctx context.Context, c store.ReadyCallback) error {
	_, err := s.writer.ExecContext(ctx, `INSERT OR REPLACE INTO ready_callbacks
		(record_id, tenant, meeting_id, attempts, due_at) VALUES (?, ?, ?, ?, ?)`,
		c.RecordID, c.Tenant, c.MeetingID, c.Attempts, c.Due.UnixNano())
	if err != nil {
		return fmt.Errorf("sqlite: put ready callback of recording %q: %w", c.RecordID, err)
	}
	return nil
}

// ReadyCallbacks returns every pending recording-ready callback, the
// earliest due first.
func (s *Store) ReadyCallbacks(ctx context.Context) ([]store.ReadyCallback, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT record_id, tenant, meeting_id, attempts, due_at
		FROM ready_callbacks ORDER BY due_at, record_id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: ready callbacks: %w", err)
	}
	defer rows.Close()
	var out []store.ReadyCallback
	for rows.Next() {
		var c store.ReadyCallback
		var due int64
		if err := rows.Scan(&c.RecordID, &c.Tenant, &c.MeetingID, &c.Attempts, &due); err != nil {
			return nil, fmt.Errorf("sqlite: ready callbacks: %w", err)
		}
		c.Due = time.Unix(0, due)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: ready callbacks: %w", err)
	}
	return out, nil
}

// DeleteReadyCallback removes the pending callback of a recording.
func (s *Store) DeleteReadyCallback(ctx context.Context, recordID string) error {
	if _, err := s.writer.ExecContext(ctx, `DELETE FROM ready_callbacks WHERE record_id = ?`, recordID); err != nil {
		return fmt.Errorf("sqlite: delete ready callback of recording %q: %w", recordID, err)
	}
	return nil
}

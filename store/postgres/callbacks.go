package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// PutCallback stores (replaces) the callback data of a meeting.
func (s *Store) PutCallback(ctx context.Context, c store.CallbackData) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO callbacks (tenant, meeting_id, recording_ready_url, analytics_url)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant, meeting_id) DO UPDATE SET
			recording_ready_url = excluded.recording_ready_url,
			analytics_url = excluded.analytics_url,
			updated_at = now()`,
		c.Tenant, c.MeetingID, c.RecordingReadyURL, c.AnalyticsURL)
	if err != nil {
		return fmt.Errorf("postgres: put callback %q: %w", c.MeetingID, err)
	}
	return nil
}

// Callback returns the callback data of a meeting or ErrNotFound.
func (s *Store) Callback(ctx context.Context, tenant, meetingID string) (store.CallbackData, error) {
	c := store.CallbackData{Tenant: tenant, MeetingID: meetingID}
	err := s.pool.QueryRow(ctx, `SELECT recording_ready_url, analytics_url FROM callbacks
		WHERE tenant = $1 AND meeting_id = $2`, tenant, meetingID).Scan(&c.RecordingReadyURL, &c.AnalyticsURL)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.CallbackData{}, fmt.Errorf("postgres: callback %q: %w", meetingID, store.ErrNotFound)
	}
	if err != nil {
		return store.CallbackData{}, fmt.Errorf("postgres: callback %q: %w", meetingID, err)
	}
	return c, nil
}

// PutReadyCallback stores (replaces) the pending recording-ready callback of
// a recording.
func (s *Store) PutReadyCallback(ctx context.Context, c store.ReadyCallback) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO ready_callbacks (record_id, tenant, meeting_id, attempts, due_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (record_id) DO UPDATE SET
			tenant = excluded.tenant,
			meeting_id = excluded.meeting_id,
			attempts = excluded.attempts,
			due_at = excluded.due_at`,
		c.RecordID, c.Tenant, c.MeetingID, c.Attempts, c.Due)
	if err != nil {
		return fmt.Errorf("postgres: put ready callback of recording %q: %w", c.RecordID, err)
	}
	return nil
}

// ReadyCallbacks returns every pending recording-ready callback, the
// earliest due first.
func (s *Store) ReadyCallbacks(ctx context.Context) ([]store.ReadyCallback, error) {
	rows, err := s.pool.Query(ctx, `SELECT record_id, tenant, meeting_id, attempts, due_at
		FROM ready_callbacks ORDER BY due_at, record_id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: ready callbacks: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.ReadyCallback, error) {
		var c store.ReadyCallback
		err := row.Scan(&c.RecordID, &c.Tenant, &c.MeetingID, &c.Attempts, &c.Due)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: ready callbacks: %w", err)
	}
	return out, nil
}

// DeleteReadyCallback removes the pending callback of a recording.
func (s *Store) DeleteReadyCallback(ctx context.Context, recordID string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM ready_callbacks WHERE record_id = $1`, recordID); err != nil {
		return fmt.Errorf("postgres: delete ready callback of recording %q: %w", recordID, err)
	}
	return nil
}

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

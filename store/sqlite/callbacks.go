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

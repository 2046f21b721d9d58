package pool

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// StatusRow is one line of the status table of Scalelite's status task.
type StatusRow struct {
	ID string `json:"id"`
	// Hostname is the host of the server's URL.
	Hostname string `json:"hostname"`
	// State is enabled, cordoned or disabled.
	State string `json:"state"`
	// Status is online or offline.
	Status         string `json:"status"`
	Meetings       int    `json:"meetings"`
	Users          int    `json:"users"`
	LargestMeeting int    `json:"largest_meeting"`
	Videos         int    `json:"videos"`
	// Load is nil while the server is offline.
	Load       *float64 `json:"load"`
	BBBVersion string   `json:"bbb_version"`
	Tag        string   `json:"tag"`
}

// Status returns the status table, ordered by hostname, then id.
func (p *Pool) Status(ctx context.Context) ([]StatusRow, error) {
	servers, err := p.Servers(ctx)
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	rows := make([]StatusRow, 0, len(servers))
	for _, s := range servers {
		status := "offline"
		if s.Online {
			status = "online"
		}
		rows = append(rows, StatusRow{
			ID:             s.ID,
			Hostname:       hostname(s.URL),
			State:          string(s.State),
			Status:         status,
			Meetings:       s.Meetings,
			Users:          s.Users,
			LargestMeeting: s.LargestMeeting,
			Videos:         s.Videos,
			Load:           Load(s),
			BBBVersion:     s.BBBVersion,
			Tag:            s.Tag,
		})
	}
	slices.SortStableFunc(rows, func(a, b StatusRow) int {
		if c := strings.Compare(a.Hostname, b.Hostname); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return rows, nil
}

// Load returns a server's load as the admin API shows it: nil while the
// server is offline, since it then has none that means anything.
func Load(s store.Server) *float64 {
	if !s.Online {
		return nil
	}
	l := s.Load
	return &l
}

// hostname returns the host of a server URL, "" for a URL without one (which
// AddServer and Sync do not let in). The URL itself is never shown: it may
// carry credentials.
func hostname(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

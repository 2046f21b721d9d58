package poller

import (
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// serverFigures is what one successful poll says about a server.
type serverFigures struct {
	// load before the server's multiplier is applied.
	rawLoad        float64
	meetings       int
	users          int
	largestMeeting int
	videos         int
	seen           []store.MeetingStats
}

// figures sums up a server's meetings. Attendees are counted once, as
// participantCount (which already includes the moderators). A meeting younger
// than the join buffer counts at least minUsers, since its users are still
// arriving. Breakout rooms add nothing to the load: their users are also in
// the parent meeting's count.
func figures(meetings []bbb.MeetingSummary, now time.Time, minUsers int, joinBuffer time.Duration) serverFigures {
	f := serverFigures{
		meetings: len(meetings),
		seen:     make([]store.MeetingStats, 0, len(meetings)),
	}
	freshAfter := now.Add(-joinBuffer).UnixMilli()
	for i := range meetings {
		m := &meetings[i]
		f.users += m.Participants
		f.largestMeeting = max(f.largestMeeting, m.Participants)
		f.videos += m.Videos
		if !m.Breakout {
			load := m.Participants
			if joinBuffer > 0 && m.CreateTime > freshAfter {
				load = max(load, minUsers)
			}
			f.rawLoad += float64(load)
		}
		f.seen = append(f.seen, store.MeetingStats{
			Tenant:       m.Tenant,
			ID:           m.ID,
			Participants: m.Participants,
			Moderators:   m.Moderators,
			Videos:       m.Videos,
		})
	}
	return f
}

// multiplier is a server's load multiplier; an unset one counts as 1.
func multiplier(s store.Server) float64 {
	if s.LoadMultiplier <= 0 {
		return 1
	}
	return s.LoadMultiplier
}

package poller

import (
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

func TestFigures(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) int64 { return now.Add(-d).UnixMilli() }
	meeting := func(id string, participants, moderators, videos int, created int64, breakout bool) bbb.MeetingSummary {
		return bbb.MeetingSummary{ID: id, Participants: participants, Moderators: moderators,
			Videos: videos, CreateTime: created, Breakout: breakout, Tenant: "t-" + id}
	}
	tests := []struct {
		name       string
		meetings   []bbb.MeetingSummary
		minUsers   int
		joinBuffer time.Duration
		wantLoad   float64
		wantUsers  int
		wantMax    int
		wantVideos int
	}{
		{name: "no meetings"},
		{
			name:       "old meeting counts its participants once, moderators included",
			meetings:   []bbb.MeetingSummary{meeting("a", 10, 3, 2, ago(time.Hour), false)},
			minUsers:   15,
			joinBuffer: 15 * time.Minute,
			wantLoad:   10, wantUsers: 10, wantMax: 10, wantVideos: 2,
		},
		{
			name:       "fresh small meeting is raised to the minimum",
			meetings:   []bbb.MeetingSummary{meeting("a", 3, 1, 0, ago(time.Minute), false)},
			minUsers:   15,
			joinBuffer: 15 * time.Minute,
			wantLoad:   15, wantUsers: 3, wantMax: 3,
		},
		{
			name:       "fresh large meeting keeps its size",
			meetings:   []bbb.MeetingSummary{meeting("a", 40, 1, 5, ago(time.Minute), false)},
			minUsers:   15,
			joinBuffer: 15 * time.Minute,
			wantLoad:   40, wantUsers: 40, wantMax: 40, wantVideos: 5,
		},
		{
			name:       "meeting just past the buffer counts as it is",
			meetings:   []bbb.MeetingSummary{meeting("a", 2, 1, 0, ago(15*time.Minute+time.Second), false)},
			minUsers:   15,
			joinBuffer: 15 * time.Minute,
			wantLoad:   2, wantUsers: 2, wantMax: 2,
		},
		{
			name: "breakout rooms count in users and videos but not in the load",
			meetings: []bbb.MeetingSummary{
				meeting("parent", 12, 2, 1, ago(time.Hour), false),
				meeting("room-1", 5, 0, 3, ago(time.Minute), true),
				meeting("room-2", 7, 1, 0, ago(time.Minute), true),
			},
			minUsers:   15,
			joinBuffer: 15 * time.Minute,
			wantLoad:   12, wantUsers: 24, wantMax: 12, wantVideos: 4,
		},
		{
			name: "no buffer: fresh meetings count as they are",
			meetings: []bbb.MeetingSummary{
				meeting("a", 0, 0, 0, ago(0), false),
				meeting("b", 4, 1, 0, ago(0), false),
			},
			minUsers: 15,
			wantLoad: 4, wantUsers: 4, wantMax: 4,
		},
		{
			name: "mixed pool",
			meetings: []bbb.MeetingSummary{
				meeting("old", 10, 1, 2, ago(2*time.Hour), false),
				meeting("fresh-empty", 0, 0, 0, ago(0), false),
				meeting("fresh-big", 30, 2, 4, ago(time.Minute), false),
				meeting("breakout", 6, 0, 1, ago(time.Minute), true),
			},
			minUsers:   15,
			joinBuffer: 15 * time.Minute,
			wantLoad:   10 + 15 + 30, wantUsers: 46, wantMax: 30, wantVideos: 7,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := figures(tt.meetings, now, tt.minUsers, tt.joinBuffer)
			if f.rawLoad != tt.wantLoad {
				t.Errorf("load = %v, want %v", f.rawLoad, tt.wantLoad)
			}
			if f.meetings != len(tt.meetings) || f.users != tt.wantUsers || f.largestMeeting != tt.wantMax || f.videos != tt.wantVideos {
				t.Errorf("meetings, users, largest, videos = %d, %d, %d, %d; want %d, %d, %d, %d",
					f.meetings, f.users, f.largestMeeting, f.videos,
					len(tt.meetings), tt.wantUsers, tt.wantMax, tt.wantVideos)
			}
			if len(f.seen) != len(tt.meetings) {
				t.Fatalf("seen %d meetings, want %d", len(f.seen), len(tt.meetings))
			}
			for i, m := range tt.meetings {
				s := f.seen[i]
				if s.ID != m.ID || s.Tenant != m.Tenant || s.Participants != m.Participants ||
					s.Moderators != m.Moderators || s.Videos != m.Videos {
					t.Errorf("seen[%d] = %+v, want the figures of %q", i, s, m.ID)
				}
			}
		})
	}
}

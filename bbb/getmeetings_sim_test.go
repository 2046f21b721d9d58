package bbb_test

import (
	"context"
	"encoding/xml"
	"reflect"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
)

// fullParse reads a getMeetings answer with encoding/xml into the fields
// ReadMeetings keeps: what ReadMeetings must agree with.
func fullParse(body []byte) ([]bbb.MeetingSummary, error) {
	var doc bbb.MeetingsResponse
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	var out []bbb.MeetingSummary
	for _, m := range doc.Meetings.Meetings {
		tenant, _ := m.Metadata.Get(bbb.MetaTenantID)
		out = append(out, bbb.MeetingSummary{
			ID: m.MeetingID, Tenant: tenant, CreateTime: m.CreateTime, Participants: m.ParticipantCount,
			Moderators: m.ModeratorCount, Videos: m.VideoCount, Breakout: m.IsBreakout,
		})
	}
	return out, nil
}

func summaries(a *bbb.MeetingsAnswer) []bbb.MeetingSummary {
	var out []bbb.MeetingSummary
	for _, m := range a.Meetings {
		m.Raw = nil
		out = append(out, m)
	}
	return out
}

// simMeetingsBody returns a simulator's getMeetings answer for meetings
// meant to trip a careless reader.
func simMeetingsBody(t *testing.T) []byte {
	t.Helper()
	sim := bbbsim.New(bbbsim.Options{Secret: "s3cret"})
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	decoy := bbb.Metadata{{Key: "participantCount", Value: "9999"}, {Key: "meetingID", Value: "decoy"}}
	meetings := []bbb.Meeting{
		{MeetingID: "plain", CreateTime: time.Now().Add(-time.Hour).UnixMilli()},
		{MeetingID: `odd <&> "id" 'x'`, MeetingName: "]]> <![CDATA[ & more",
			Metadata: append(bbb.Metadata{{Key: bbb.MetaTenantID, Value: "t&1"}}, decoy...)},
		{MeetingID: "with-attendees", Attendees: []bbb.Attendee{
			{UserID: "u1", FullName: "A <b>", Role: "MODERATOR", CustomData: &decoy},
			{UserID: "u2", FullName: "B", Role: "VIEWER", HasVideo: true},
		}},
		{MeetingID: "room-1", IsBreakout: true, ParentMeetingID: "plain"},
	}
	for _, m := range meetings {
		if _, err := sim.AddMeeting(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := sim.SetUsers("plain", 7, 2, 3); err != nil {
		t.Fatal(err)
	}
	c := bbb.NewClient(bbb.ClientConfig{})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := c.Call(ctx, bbb.Target{URL: sim.URL(), Secret: sim.Secret()}, "getMeetings", nil)
	if err != nil {
		t.Fatal(err)
	}
	return r.Body
}

func TestReadMeetingsMatchesFullParse(t *testing.T) {
	body := simMeetingsBody(t)
	want, err := fullParse(body)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := bbb.ReadMeetings(body)
	if err != nil {
		t.Fatalf("ReadMeetings: %v\n%s", err, body)
	}
	got := summaries(answer)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadMeetings = %+v\nwant %+v", got, want)
	}
	byID := map[string]bbb.MeetingSummary{}
	for _, m := range answer.Meetings {
		byID[m.ID] = m
		if d, err := m.Decode(); err != nil || d.MeetingID != m.ID {
			t.Errorf("Decode of %q = %+v, %v", m.ID, d, err)
		}
	}
	odd, withAttendees := byID[`odd <&> "id" 'x'`], byID["with-attendees"]
	if len(got) != 4 || odd.Tenant != "t&1" || odd.Participants != 0 || withAttendees.Participants != 2 ||
		!byID["room-1"].Breakout || byID["plain"].Participants != 7 || byID["plain"].Videos != 3 {
		t.Errorf("unexpected meetings %+v", got)
	}
}

// FuzzReadMeetings checks that wherever ReadMeetings and encoding/xml both
// accept a document they read the same meetings.
func FuzzReadMeetings(f *testing.F) {
	f.Add([]byte("<response><returncode>SUCCESS</returncode><meetings><meeting><meetingID>m&amp;1</meetingID>" +
		"<participantCount>3</participantCount><isBreakout>false</isBreakout><metadata><tenant-id>t</tenant-id></metadata>" +
		"</meeting></meetings></response>"))
	f.Add([]byte("<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey></response>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		answer, err := bbb.ReadMeetings(body)
		if err != nil {
			return
		}
		want, err := fullParse(body)
		if err != nil {
			return
		}
		if got := summaries(answer); !reflect.DeepEqual(got, want) {
			t.Errorf("ReadMeetings = %+v, encoding/xml = %+v", got, want)
		}
	})
}

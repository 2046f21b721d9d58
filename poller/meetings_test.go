package poller

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
)

// fromRaw is what the poller should read, taken from the full parse of the
// bbb package.
func fromRaw(ms []bbb.RawMeeting) []polledMeeting {
	var out []polledMeeting
	for _, r := range ms {
		m := r.Meeting
		tenant, _ := m.Metadata.Get(TenantMetaKey)
		out = append(out, polledMeeting{
			ID: m.MeetingID, Tenant: tenant, CreateTime: m.CreateTime, Participants: m.ParticipantCount,
			Moderators: m.ModeratorCount, Videos: m.VideoCount, Breakout: m.IsBreakout,
		})
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
			Metadata: append(bbb.Metadata{{Key: TenantMetaKey, Value: "t&1"}}, decoy...)},
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

func TestParseMeetingsMatchesFullParse(t *testing.T) {
	body := simMeetingsBody(t)
	want, err := bbb.ParseRawMeetings(body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseMeetings(body)
	if err != nil {
		t.Fatalf("parseMeetings: %v\n%s", err, body)
	}
	if !reflect.DeepEqual(got, fromRaw(want.Meetings)) {
		t.Errorf("parseMeetings = %+v\nwant %+v", got, fromRaw(want.Meetings))
	}
	byID := map[string]polledMeeting{}
	for _, m := range got {
		byID[m.ID] = m
	}
	odd, withAttendees := byID[`odd <&> "id" 'x'`], byID["with-attendees"]
	if len(got) != 4 || odd.Tenant != "t&1" || odd.Participants != 0 || withAttendees.Participants != 2 || !byID["room-1"].Breakout {
		t.Errorf("unexpected meetings %+v", got)
	}
}

func TestParseMeetings(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    []polledMeeting
		wantErr bool
	}{
		{name: "no meetings", body: `<?xml version="1.0"?><response><returncode>SUCCESS</returncode><meetings/>` +
			`<messageKey>noMeetings</messageKey><message>no meetings were found on this server</message></response>`},
		{
			name: "fields, CDATA, references, comments",
			body: "<response>\n<returncode>SUCCESS</returncode><!-- c --><meetings><meeting>" +
				"<meetingID><![CDATA[a&b]]></meetingID><createTime> 1700000000000 </createTime>" +
				"<participantCount>12</participantCount><moderatorCount>2</moderatorCount>" +
				"<videoCount>&#51;</videoCount><isBreakout>true</isBreakout>" +
				"<metadata><tenant-id>t&#x31;</tenant-id></metadata></meeting></meetings></response>\n",
			want: []polledMeeting{{ID: "a&b", Tenant: "t1", CreateTime: 1700000000000, Participants: 12,
				Moderators: 2, Videos: 3, Breakout: true}},
		},
		{
			name: "look-alike fields elsewhere are ignored",
			body: "<response><returncode>SUCCESS</returncode><meetings><meeting><meetingID>m</meetingID>" +
				"<participantCount>1</participantCount><metadata><participantCount>99</participantCount></metadata>" +
				"<attendees><attendee><customdata><tenant-id>evil</tenant-id><videoCount>9</videoCount></customdata></attendee></attendees>" +
				"</meeting></meetings><meeting><meetingID>outside</meetingID></meeting></response>",
			want: []polledMeeting{{ID: "m", Participants: 1}},
		},
		{name: "garbage", body: bbbsim.GarbageBody, wantErr: true},
		{name: "html", body: "<html><body>502 Bad Gateway</body></html>", wantErr: true},
		{name: "truncated", body: "<response><returncode>SUCCESS</returncode><meetings><meeting>", wantErr: true},
		{name: "mismatched tags", body: "<response><meetings></response></meetings>", wantErr: true},
		{name: "bad count", body: "<response><meetings><meeting><participantCount>lots</participantCount></meeting></meetings></response>", wantErr: true},
		{name: "negative count", body: "<response><meetings><meeting><participantCount>-1</participantCount></meeting></meetings></response>", wantErr: true},
		{name: "bad entity", body: "<response><meetings><meeting><meetingID>a&nbsp;b</meetingID></meeting></meetings></response>", wantErr: true},
		{name: "two roots", body: "<response></response><response></response>", wantErr: true},
		{name: "text after root", body: "<response></response>junk", wantErr: true},
		{name: "empty", body: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMeetings([]byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// FuzzParseMeetings checks that wherever both readers accept a document they
// read the same meetings.
func FuzzParseMeetings(f *testing.F) {
	f.Add([]byte("<response><returncode>SUCCESS</returncode><meetings><meeting><meetingID>m&amp;1</meetingID>" +
		"<participantCount>3</participantCount><isBreakout>false</isBreakout><metadata><tenant-id>t</tenant-id></metadata>" +
		"</meeting></meetings></response>"))
	f.Add([]byte("<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey></response>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := parseMeetings(body)
		if err != nil {
			return
		}
		want, err := bbb.ParseRawMeetings(body)
		if err != nil {
			return
		}
		if w := fromRaw(want.Meetings); !reflect.DeepEqual(got, w) {
			t.Errorf("parseMeetings = %+v, full parse = %+v", got, w)
		}
	})
}

package bbb

import (
	"bytes"
	"encoding/xml"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// withoutRaw returns ms with Raw cleared, for comparing the fields alone.
func withoutRaw(ms []MeetingSummary) []MeetingSummary {
	out := make([]MeetingSummary, len(ms))
	for i, m := range ms {
		m.Raw = nil
		out[i] = m
	}
	return out
}

func TestReadMeetings(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    []MeetingSummary
		wantKey string
		wantErr bool
	}{
		{
			name: "no meetings",
			body: `<?xml version="1.0"?><response><returncode>SUCCESS</returncode><meetings/>` +
				`<messageKey>noMeetings</messageKey><message>no meetings were found on this server</message></response>`,
			wantKey: KeyNoMeetings,
		},
		{
			name: "fields, CDATA, references, comments",
			body: "<response>\n<returncode>SUCCESS</returncode><!-- c --><meetings><meeting>" +
				"<meetingID><![CDATA[a&b]]></meetingID><createTime> 1700000000000 </createTime>" +
				"<participantCount>12</participantCount><moderatorCount>2</moderatorCount>" +
				"<videoCount>&#51;</videoCount><isBreakout>true</isBreakout>" +
				"<metadata><tenant-id>t&#x31;</tenant-id></metadata></meeting></meetings></response>\n",
			want: []MeetingSummary{{ID: "a&b", Tenant: "t1", CreateTime: 1700000000000, Participants: 12,
				Moderators: 2, Videos: 3, Breakout: true}},
		},
		{
			name: "look-alike fields elsewhere are ignored",
			body: "<response><returncode>SUCCESS</returncode><meetings><meeting><meetingID>m</meetingID>" +
				"<participantCount>1</participantCount><metadata><participantCount>99</participantCount></metadata>" +
				"<attendees><attendee><customdata><tenant-id>evil</tenant-id><videoCount>9</videoCount></customdata></attendee></attendees>" +
				"</meeting></meetings><meeting><meetingID>outside</meetingID></meeting></response>",
			want: []MeetingSummary{{ID: "m", Participants: 1}},
		},
		{
			name:    "FAILED",
			body:    "<response><returncode>FAILED</returncode><messageKey>k</messageKey><message>m &amp; n</message></response>",
			wantKey: "k",
		},
		{name: "garbage", body: "not xml at all", wantErr: true},
		{name: "html", body: "<html><body>502 Bad Gateway</body></html>", wantErr: true},
		{name: "no returncode", body: "<response><meetings/></response>", wantErr: true},
		{name: "truncated", body: "<response><returncode>SUCCESS</returncode><meetings><meeting>", wantErr: true},
		{name: "mismatched tags", body: "<response><returncode>SUCCESS</returncode><meetings></response></meetings>", wantErr: true},
		{name: "bad count", body: "<response><returncode>SUCCESS</returncode><meetings><meeting><participantCount>lots</participantCount></meeting></meetings></response>", wantErr: true},
		{name: "negative count", body: "<response><returncode>SUCCESS</returncode><meetings><meeting><participantCount>-1</participantCount></meeting></meetings></response>", wantErr: true},
		{name: "bad entity", body: "<response><returncode>SUCCESS</returncode><meetings><meeting><meetingID>a&nbsp;b</meetingID></meeting></meetings></response>", wantErr: true},
		{name: "two roots", body: "<response><returncode>SUCCESS</returncode></response><response></response>", wantErr: true},
		{name: "text after root", body: "<response><returncode>SUCCESS</returncode></response>junk", wantErr: true},
		{name: "empty", body: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadMeetings([]byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if ms := withoutRaw(got.Meetings); len(ms) != len(tt.want) || (len(ms) > 0 && !reflect.DeepEqual(ms, tt.want)) {
				t.Errorf("meetings %+v, want %+v", ms, tt.want)
			}
			if got.MessageKey != tt.wantKey {
				t.Errorf("messageKey %q, want %q", got.MessageKey, tt.wantKey)
			}
		})
	}
}

func TestReadMeetingsFailedMessage(t *testing.T) {
	r, err := ReadMeetings([]byte("<response><returncode>FAILED</returncode><messageKey>k</messageKey><message>m &amp; n</message></response>"))
	if err != nil || r.ReturnCode != ReturnFailed || r.MessageKey != "k" || r.Message != "m & n" {
		t.Errorf("FAILED document = %+v, %v", r, err)
	}
}

func TestReadMeetingsRawNodes(t *testing.T) {
	// A newer server's node: an element Meeting does not know, an entity,
	// a breakout room's flat fields, an empty node.
	const node1 = `<meeting><meetingName>A &amp; B</meetingName><meetingID>m1</meetingID>` +
		`<metadata><tenant-id>t1</tenant-id></metadata><isBreakout>false</isBreakout>` +
		`<newThing kind="x">keep me</newThing></meeting>`
	const node2 = "<meeting>\n<meetingID>m2</meetingID>\n<participantCount>3</participantCount>\n" +
		"<isBreakout>true</isBreakout>\n<parentMeetingID>p</parentMeetingID>\n<sequence>2</sequence>\n</meeting>"
	const node3 = "<meeting/>"
	body := "<response>\n<returncode>SUCCESS</returncode>\n<meetings>\n" + node1 + "\n" + node2 + node3 + "\n</meetings>\n</response>"

	r, err := ReadMeetings([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if r.ReturnCode != ReturnSuccess || len(r.Meetings) != 3 {
		t.Fatalf("got %+v", r)
	}
	for i, want := range []string{node1, node2, node3} {
		if got := string(r.Meetings[i].Raw); got != want {
			t.Errorf("raw node %d = %q, want %q", i+1, got, want)
		}
	}
	// Raw is capped: appending to it must not write over the next node.
	_ = append(r.Meetings[0].Raw, "XXXX"...)
	if got := string(r.Meetings[1].Raw); got != node2 {
		t.Errorf("appending to node 1 changed node 2 to %q", got)
	}
	m1, err := r.Meetings[0].Decode()
	if tenant, _ := m1.Metadata.Get(MetaTenantID); err != nil || m1.MeetingName != "A & B" || tenant != "t1" {
		t.Errorf("meeting 1 = %+v, %v", m1, err)
	}
	m2, err := r.Meetings[1].Decode()
	if err != nil || m2.MeetingID != "m2" || m2.ParticipantCount != 3 || !m2.IsBreakout || m2.ParentMeetingID != "p" || m2.Sequence != 2 {
		t.Errorf("meeting 2 = %+v, %v", m2, err)
	}
}

func TestWriteMeetings(t *testing.T) {
	r, err := ReadMeetings([]byte("<response><returncode>SUCCESS</returncode><meetings>" +
		`<meeting><meetingID>m1</meetingID><newThing kind="x">keep me</newThing></meeting>` +
		"<meeting><meetingID>m2</meetingID></meeting></meetings></response>"))
	if err != nil {
		t.Fatal(err)
	}
	sample, err := ReadMeetings(readSample(t, "get_meetings"))
	if err != nil {
		t.Fatal(err)
	}
	var nodes [][]byte
	for _, m := range append(r.Meetings, sample.Meetings...) {
		nodes = append(nodes, m.Raw)
	}
	rec := httptest.NewRecorder()
	if err := WriteMeetings(rec, nodes); err != nil {
		t.Fatal(err)
	}
	doc := rec.Body.Bytes()
	if ct := rec.Header().Get("Content-Type"); ct != ContentTypeXML {
		t.Errorf("Content-Type %q", ct)
	}
	if cl := rec.Header().Get("Content-Length"); cl != strconv.Itoa(len(doc)) {
		t.Errorf("Content-Length %s for %d bytes", cl, len(doc))
	}
	if !bytes.Contains(doc, []byte(`<newThing kind="x">keep me</newThing>`)) {
		t.Errorf("unknown element lost in merge:\n%s", doc)
	}
	var parsed MeetingsResponse
	if err := xml.Unmarshal(doc, &parsed); err != nil {
		t.Fatalf("merged document: %v\n%s", err, doc)
	}
	var ids []string
	for _, m := range parsed.Meetings.Meetings {
		ids = append(ids, m.MeetingID)
	}
	if want := []string{"m1", "m2", "Demo Meeting"}; !reflect.DeepEqual(ids, want) || parsed.MessageKey != "" {
		t.Errorf("merged meetings %q (messageKey %q), want %q", ids, parsed.MessageKey, want)
	}
	if origin, _ := parsed.Meetings.Meetings[2].Metadata.Get("bbb-origin"); origin != "greenlight" {
		t.Errorf("sample meeting lost its metadata: %+v", parsed.Meetings.Meetings[2])
	}
}

func TestWriteMeetingsEmpty(t *testing.T) {
	rec := httptest.NewRecorder()
	if err := WriteMeetings(rec, nil); err != nil {
		t.Fatal(err)
	}
	doc := rec.Body.Bytes()
	if got, want := elementPaths(t, doc), elementPaths(t, readSample(t, "get_meetings_empty")); !reflect.DeepEqual(got, want) {
		t.Errorf("empty document elements %q, want %q", got, want)
	}
	var parsed MeetingsResponse
	if err := xml.Unmarshal(doc, &parsed); err != nil || parsed.MessageKey != KeyNoMeetings || parsed.Message != MessageNoMeetings {
		t.Errorf("empty document = %s (%v)", doc, err)
	}
}

func TestWriteMeetingsLarge(t *testing.T) {
	// More than the write buffer, and one node larger than it on its own.
	var nodes [][]byte
	var want strings.Builder
	for i := range 200 {
		n := []byte("<meeting><meetingID>m" + strconv.Itoa(i) + "</meetingID><meetingName>" + strings.Repeat("x", 300) + "</meetingName></meeting>")
		if i == 100 {
			n = []byte("<meeting><meetingID>big</meetingID><meetingName>" + strings.Repeat("y", 70<<10) + "</meetingName></meeting>")
		}
		nodes = append(nodes, n)
		want.Write(n)
	}
	rec := httptest.NewRecorder()
	if err := WriteMeetings(rec, nodes); err != nil {
		t.Fatal(err)
	}
	got := rec.Body.String()
	if !strings.HasPrefix(got, meetingsHead) || !strings.HasSuffix(got, meetingsTail) ||
		got[len(meetingsHead):len(got)-len(meetingsTail)] != want.String() {
		t.Errorf("large document written out of order or incomplete (%d bytes)", len(got))
	}
	r, err := ReadMeetings(rec.Body.Bytes())
	if err != nil || len(r.Meetings) != 200 || r.Meetings[100].ID != "big" {
		t.Errorf("reading the written document back: %d meetings, %v", len(r.Meetings), err)
	}
}

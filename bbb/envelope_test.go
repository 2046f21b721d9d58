package bbb

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestReadEnvelope(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    Envelope
		wantErr bool
	}{
		{"end", `<response><returncode>SUCCESS</returncode><messageKey>sentEndMeetingRequest</messageKey><message>sent</message></response>`,
			Envelope{ReturnCode: "SUCCESS", MessageKey: "sentEndMeetingRequest", Message: "sent"}, false},
		{"success stops at the body", `<response><returncode>SUCCESS</returncode><meetings><meeting>` + strings.Repeat("<x/>", 1000),
			Envelope{ReturnCode: "SUCCESS"}, false},
		{"failed reads messages after other elements", `<response><returncode>FAILED</returncode><meetings/><messageKey>notFound</messageKey><message>gone</message></response>`,
			Envelope{ReturnCode: "FAILED", MessageKey: "notFound", Message: "gone"}, false},
		{"returncode not first", `<response><version>2.0</version><returncode>SUCCESS</returncode></response>`,
			Envelope{ReturnCode: "SUCCESS"}, false},
		{"no returncode", `<response><version>2.0</version></response>`, Envelope{}, false},
		{"other root", `<html><body>502</body></html>`, Envelope{}, true},
		{"not xml", `garbage`, Envelope{}, true},
		{"empty", ``, Envelope{}, true},
		{"broken failed document", `<response><returncode>FAILED</returncode><messageKey>x</mess`, Envelope{ReturnCode: "FAILED"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readEnvelope([]byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if got.ReturnCode != tt.want.ReturnCode || got.MessageKey != tt.want.MessageKey || got.Message != tt.want.Message {
				t.Errorf("envelope = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMeetingAlwaysWritesAttendees(t *testing.T) {
	for _, m := range []Meeting{{MeetingID: "empty"}, {MeetingID: "one", Attendees: Attendees{{UserID: "w_1", FullName: "Ada"}}}} {
		b, err := MarshalDocument(MeetingInfoResponse{ReturnCode: ReturnSuccess, Meeting: m})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "<attendees>") || !strings.Contains(string(b), "</attendees>") {
			t.Errorf("meeting %s: no <attendees> element in %s", m.MeetingID, b)
		}
		var back MeetingInfoResponse
		if err := xml.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if len(back.Attendees) != len(m.Attendees) {
			t.Errorf("meeting %s: %d attendees read back, want %d", m.MeetingID, len(back.Attendees), len(m.Attendees))
		}
	}
}

func TestPeekEnvelope(t *testing.T) {
	tests := []struct {
		name, prefix string
		want         Envelope
	}{
		{"success", "<response><returncode>SUCCESS</returncode><version>2.0</version>", Envelope{ReturnCode: "SUCCESS"}},
		{"failed, indented", "<?xml version=\"1.0\"?>\n<response>\n <returncode> FAILED </returncode>\n <messageKey>notFound</messageKey>",
			Envelope{ReturnCode: "FAILED", MessageKey: "notFound"}},
		{"cut inside the key", "<response><returncode>FAILED</returncode><messageKey>notF", Envelope{ReturnCode: "FAILED"}},
		{"not XML", "ok", Envelope{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PeekEnvelope([]byte(tt.prefix)); got != tt.want {
				t.Errorf("PeekEnvelope(%q) = %+v, want %+v", tt.prefix, got, tt.want)
			}
		})
	}
}

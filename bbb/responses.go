package bbb

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// The two returncode values.
const (
	ReturnSuccess = "SUCCESS"
	ReturnFailed  = "FAILED"
)

// Messages BBB sends with the keys of the same name.
const (
	MessageDuplicateWarning      = "This conference was already in existence and may currently be in progress."
	MessageSentEndMeetingRequest = "A request to end the meeting was sent.  Please wait a few seconds, and then use the getMeetingInfo or isMeetingRunning API calls to verify that it was ended."
	MessageSuccessfullyJoined    = "You have joined successfully."
	MessageNoMeetings            = "no meetings were found on this server"
	MessageNoRecordings          = "There are no recordings for the meeting(s)."
)

// Envelope is the part every BBB document shares: the returncode and, for
// failures and some successes, a messageKey and message. Read from any
// response it tells success from failure; written alone it is the error
// document and the end response.
type Envelope struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	MessageKey string   `xml:"messageKey,omitempty"`
	Message    string   `xml:"message,omitempty"`
}

// Success reports whether the returncode is SUCCESS.
func (e Envelope) Success() bool { return e.ReturnCode == ReturnSuccess }

// Err returns the failure as an Error, or nil when the returncode is SUCCESS.
func (e Envelope) Err() error {
	if e.Success() {
		return nil
	}
	return Error{Key: e.MessageKey, Message: e.Message}
}

// EndResponse is the answer BBB gives to a successful end.
func EndResponse() Envelope {
	return Envelope{ReturnCode: ReturnSuccess, MessageKey: KeySentEndMeetingRequest, Message: MessageSentEndMeetingRequest}
}

// VersionResponse is the index document of /bigbluebutton/api. The load
// balancer writes version 2.0 and an optional build, as Scalelite does; a BBB
// server also sends apiVersion and, when allowed to reveal it, bbbVersion.
type VersionResponse struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	Version    string   `xml:"version"`
	APIVersion string   `xml:"apiVersion,omitempty"`
	BBBVersion string   `xml:"bbbVersion,omitempty"`
	Build      string   `xml:"build,omitempty"`
}

// NewVersionResponse returns the load balancer's index document.
func NewVersionResponse(build string) VersionResponse {
	return VersionResponse{ReturnCode: ReturnSuccess, Version: "2.0", Build: build}
}

// CreateResponse is the create document. BBB writes messageKey and message
// even when empty (a fresh meeting), so they are never left out.
type CreateResponse struct {
	XMLName              xml.Name `xml:"response"`
	ReturnCode           string   `xml:"returncode"`
	MeetingID            string   `xml:"meetingID"`
	InternalMeetingID    string   `xml:"internalMeetingID"`
	ParentMeetingID      string   `xml:"parentMeetingID"`
	AttendeePW           string   `xml:"attendeePW,omitempty"`
	ModeratorPW          string   `xml:"moderatorPW,omitempty"`
	CreateTime           int64    `xml:"createTime"`
	VoiceBridge          string   `xml:"voiceBridge"`
	DialNumber           string   `xml:"dialNumber"`
	CreateDate           string   `xml:"createDate"`
	HasUserJoined        bool     `xml:"hasUserJoined"`
	Duration             int      `xml:"duration"`
	HasBeenForciblyEnded bool     `xml:"hasBeenForciblyEnded"`
	MessageKey           string   `xml:"messageKey"`
	Message              string   `xml:"message"`
}

// JoinResponse is the join document sent with redirect=false. MeetingID is
// BBB's internal meeting id.
type JoinResponse struct {
	XMLName      xml.Name `xml:"response"`
	ReturnCode   string   `xml:"returncode"`
	MessageKey   string   `xml:"messageKey,omitempty"`
	Message      string   `xml:"message,omitempty"`
	MeetingID    string   `xml:"meeting_id,omitempty"`
	UserID       string   `xml:"user_id,omitempty"`
	AuthToken    string   `xml:"auth_token,omitempty"`
	SessionToken string   `xml:"session_token,omitempty"`
	GuestStatus  string   `xml:"guestStatus,omitempty"`
	URL          string   `xml:"url,omitempty"`
}

// IsMeetingRunningResponse is the isMeetingRunning document.
type IsMeetingRunningResponse struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	MessageKey string   `xml:"messageKey,omitempty"`
	Message    string   `xml:"message,omitempty"`
	Running    bool     `xml:"running"`
}

// MeetingInfoResponse is the getMeetingInfo document: the envelope followed
// by the meeting's fields.
type MeetingInfoResponse struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	MessageKey string   `xml:"messageKey,omitempty"`
	Message    string   `xml:"message,omitempty"`
	Meeting
}

// MeetingList is the <meetings> element. It is a struct, not a slice with a
// "meetings>meeting" path, so an empty list is still written as <meetings/>,
// as BBB does.
type MeetingList struct {
	Meetings []Meeting `xml:"meeting"`
}

// MeetingsResponse is the getMeetings document, parsed. BBB puts <meetings>
// first, then the noMeetings key and message when the list is empty.
type MeetingsResponse struct {
	XMLName    xml.Name    `xml:"response"`
	ReturnCode string      `xml:"returncode"`
	Meetings   MeetingList `xml:"meetings"`
	MessageKey string      `xml:"messageKey,omitempty"`
	Message    string      `xml:"message,omitempty"`
}

// NewMeetingsResponse returns the getMeetings document for ms, with the
// noMeetings message when ms is empty.
func NewMeetingsResponse(ms []Meeting) MeetingsResponse {
	r := MeetingsResponse{ReturnCode: ReturnSuccess, Meetings: MeetingList{Meetings: ms}}
	if len(ms) == 0 {
		r.MessageKey, r.Message = KeyNoMeetings, MessageNoMeetings
	}
	return r
}

// RawMeeting is one <meeting> node of a getMeetings answer: the element
// exactly as the server sent it (sharing the answer's bytes), and what was
// parsed from it. Passing Raw on
// keeps the elements a newer BBB adds that Meeting does not know.
type RawMeeting struct {
	Meeting Meeting
	Raw     []byte
}

// RawMeetingsResponse is a getMeetings document whose meeting nodes keep
// their raw XML, so the nodes of several servers can be merged into one
// document without losing anything.
type RawMeetingsResponse struct {
	ReturnCode string
	MessageKey string
	Message    string
	Meetings   []RawMeeting
}

// ParseRawMeetings parses a getMeetings document, keeping each <meeting>
// element's bytes.
func ParseRawMeetings(body []byte) (*RawMeetingsResponse, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	out := &RawMeetingsResponse{}
	depth := 0
	inMeetings := false
	for {
		offset := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF && depth == 0 {
			if out.ReturnCode == "" {
				return nil, errors.New("parse getMeetings: no returncode")
			}
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("parse getMeetings: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1:
				if t.Name.Local != "response" {
					return nil, fmt.Errorf("parse getMeetings: root element is <%s>, want <response>", t.Name.Local)
				}
			case depth == 2 && t.Name.Local == "meetings":
				inMeetings = true
			case depth == 3 && inMeetings && t.Name.Local == "meeting":
				var m Meeting
				if err := d.DecodeElement(&m, &t); err != nil {
					return nil, fmt.Errorf("parse getMeetings meeting: %w", err)
				}
				depth--
				// Raw shares body's memory (capped, so appending copies):
				// a large getMeetings answer is not held twice.
				end := d.InputOffset()
				raw := body[offset:end:end]
				out.Meetings = append(out.Meetings, RawMeeting{Meeting: m, Raw: raw})
			case depth == 2 && (t.Name.Local == "returncode" || t.Name.Local == "messageKey" || t.Name.Local == "message"):
				var v string
				if err := d.DecodeElement(&v, &t); err != nil {
					return nil, fmt.Errorf("parse getMeetings <%s>: %w", t.Name.Local, err)
				}
				depth--
				switch t.Name.Local {
				case "returncode":
					out.ReturnCode = v
				case "messageKey":
					out.MessageKey = v
				case "message":
					out.Message = v
				}
			default:
				if err := d.Skip(); err != nil {
					return nil, fmt.Errorf("parse getMeetings: %w", err)
				}
				depth--
			}
		case xml.EndElement:
			depth--
			if depth == 1 {
				inMeetings = false
			}
		}
	}
}

// rawMeetingsDoc writes merged raw meeting nodes verbatim.
type rawMeetingsDoc struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	Meetings   struct {
		Inner []byte `xml:",innerxml"`
	} `xml:"meetings"`
	MessageKey string `xml:"messageKey,omitempty"`
	Message    string `xml:"message,omitempty"`
}

// MarshalXML writes the document with each meeting's Raw bytes unchanged,
// and the noMeetings message when there is no meeting.
func (r RawMeetingsResponse) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	doc := rawMeetingsDoc{ReturnCode: r.ReturnCode, MessageKey: r.MessageKey, Message: r.Message}
	if doc.ReturnCode == "" {
		doc.ReturnCode = ReturnSuccess
	}
	if len(r.Meetings) == 0 && doc.MessageKey == "" && doc.ReturnCode == ReturnSuccess {
		doc.MessageKey, doc.Message = KeyNoMeetings, MessageNoMeetings
	}
	n := 0
	for _, m := range r.Meetings {
		n += len(m.Raw)
	}
	inner := make([]byte, 0, n)
	for _, m := range r.Meetings {
		inner = append(inner, m.Raw...)
	}
	doc.Meetings.Inner = inner
	return e.Encode(doc)
}

// PublishRecordingsResponse is the publishRecordings document. Published
// echoes the publish parameter as sent, as BBB does.
type PublishRecordingsResponse struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	MessageKey string   `xml:"messageKey,omitempty"`
	Message    string   `xml:"message,omitempty"`
	Published  string   `xml:"published,omitempty"`
}

// UpdateRecordingsResponse is the updateRecordings document.
type UpdateRecordingsResponse struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	MessageKey string   `xml:"messageKey,omitempty"`
	Message    string   `xml:"message,omitempty"`
	Updated    bool     `xml:"updated"`
}

// DeleteRecordingsResponse is the deleteRecordings document.
type DeleteRecordingsResponse struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	MessageKey string   `xml:"messageKey,omitempty"`
	Message    string   `xml:"message,omitempty"`
	Deleted    bool     `xml:"deleted"`
}

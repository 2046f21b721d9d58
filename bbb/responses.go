package bbb

import "encoding/xml"

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

package bbbsim

import (
	"encoding/xml"
	"net/http"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// Return codes of the BBB API.
const (
	returnSuccess = "SUCCESS"
	returnFailed  = "FAILED"
)

// apiError is one failure with the messageKey and message BBB sends.
type apiError struct {
	Key     string
	Message string
}

// Errors the simulator answers with, worded as bbb-web 3.0 words them.
var (
	errChecksum         = apiError{"checksumError", "Checksums do not match"}
	errChecksumMissing  = apiError{"checksumError", "You must provide the checksum"}
	errContentType      = apiError{"unsupportedContentType", "POST request Content-Type is missing or unsupported"}
	errMissingMeetingID = apiError{"missingParamMeetingID", "You must provide a meeting ID"}
	errInvalidMeetingID = apiError{"validationError", "Invalid meeting ID"}
	errMeetingIDLength  = apiError{"validationError", "Meeting ID must be between 2 and 256 characters"}
	errMeetingIDComma   = apiError{"validationError", "Meeting ID cannot contain ','"}
	errMissingName      = apiError{"validationError", "You must provide a meeting name"}
	errNameLength       = apiError{"validationError", "Meeting name must be between 2 and 256 characters"}
	errNotFound         = apiError{"notFound", "A meeting with that ID does not exist"}
	errIDNotUnique      = apiError{"idNotUnique", "A meeting already exists with that meeting ID.  Please use a different meeting ID."}
	errNonUniqueVoice   = apiError{"nonUniqueVoiceBridge", "The selected voice bridge is already in use."}
	errParentMissing    = apiError{"parentMeetingIdMissing", "No parent meeting ID was provided for the breakout room"}
	errMissingFullName  = apiError{"validationError", "You must provide your name"}
	errJoinPassword     = apiError{"invalidPassword", "You either did not supply a password or the password supplied is neither the attendee or moderator password for this conference."}
	errCreateTime       = apiError{"mismatchCreateTimeParam", "The createTime parameter submitted mismatches with the current meeting."}
	errMaxParticipants  = apiError{"maxParticipantsReached", "The number of participants allowed for this meeting has been reached."}
	errMissingMessage   = apiError{"validationError", "You must provide the param message"}
	errMessageLength    = apiError{"validationError", "Param message must be between 1 and 500 characters"}
	errUserNameLength   = apiError{"validationError", "Param userName must be at most 255 characters"}
)

// BBB's password constraint says "8 and 20" while it checks 2..64; the
// simulator keeps the real server's wording.
var errPasswordLength = apiError{"validationError", "Password must be between 8 and 20 characters"}

func invalidParam(name, what string) apiError {
	return apiError{"validationError", "Parameter " + name + " " + what}
}

// messageDoc is the single-error document and every answer made of a return
// code and a message.
type messageDoc struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	MessageKey string   `xml:"messageKey"`
	Message    string   `xml:"message"`
}

// errorsDoc is the multi-error document (api-errors.ftlx).
type errorsDoc struct {
	XMLName    xml.Name    `xml:"response"`
	ReturnCode string      `xml:"returncode"`
	Errors     []errorItem `xml:"errors>error"`
}

type errorItem struct {
	Key     string `xml:"key"`
	Message string `xml:"message"`
}

// versionDoc is the index document of BBB 3.0 (api-version.ftlx).
type versionDoc struct {
	XMLName             xml.Name `xml:"response"`
	ReturnCode          string   `xml:"returncode"`
	Version             string   `xml:"version"`
	APIVersion          string   `xml:"apiVersion"`
	BBBVersion          string   `xml:"bbbVersion"`
	GraphqlWebsocketURL string   `xml:"graphqlWebsocketUrl"`
	GraphqlAPIURL       string   `xml:"graphqlApiUrl"`
}

// joinDoc is the join answer with redirect=false.
type joinDoc struct {
	XMLName      xml.Name `xml:"response"`
	ReturnCode   string   `xml:"returncode"`
	MessageKey   string   `xml:"messageKey"`
	Message      string   `xml:"message"`
	MeetingID    string   `xml:"meeting_id"`
	UserID       string   `xml:"user_id"`
	AuthToken    string   `xml:"auth_token"`
	SessionToken string   `xml:"session_token"`
	GuestStatus  string   `xml:"guestStatus"`
	URL          string   `xml:"url"`
}

// runningDoc is the isMeetingRunning answer.
type runningDoc struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	Running    bool     `xml:"running"`
}

// asWritten is a meeting as get-meeting-info.ftlx writes it: a breakout
// room always has its freeJoin flag.
func asWritten(m bbb.Meeting) bbb.Meeting {
	if m.IsBreakout && m.FreeJoin == nil {
		free := false
		m.FreeJoin = &free
	}
	return m
}

// meetingInfoDoc is the getMeetingInfo answer.
type meetingInfoDoc struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	bbb.Meeting
}

// meetingsDoc is the getMeetings answer; the message pair is written only
// when there are no meetings.
type meetingsDoc struct {
	XMLName    xml.Name    `xml:"response"`
	ReturnCode string      `xml:"returncode"`
	Meetings   meetingList `xml:"meetings"`
	MessageKey *string     `xml:"messageKey,omitempty"`
	Message    *string     `xml:"message,omitempty"`
}

type meetingList struct {
	Meeting []bbb.Meeting `xml:"meeting"`
}

// writeXML sends doc the way bbb-web does: HTTP 200, text/xml, no XML
// declaration, no caching.
func writeXML(w http.ResponseWriter, doc any) {
	body, err := xml.Marshal(doc)
	if err != nil {
		// Every document here is a fixed struct of strings and numbers;
		// failing to marshal one is a bug in the simulator.
		http.Error(w, "bbbsim: marshal response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func writeFailed(w http.ResponseWriter, e apiError) {
	writeXML(w, messageDoc{ReturnCode: returnFailed, MessageKey: e.Key, Message: e.Message})
}

func writeFailedMulti(w http.ResponseWriter, errs ...apiError) {
	doc := errorsDoc{ReturnCode: returnFailed}
	for _, e := range errs {
		doc.Errors = append(doc.Errors, errorItem(e))
	}
	writeXML(w, doc)
}

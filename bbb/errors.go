package bbb

import (
	"net/http"
)

// Error is a BBB API failure as clients see it: a messageKey they act on and a
// message for humans. It is comparable, so errors.Is matches catalogue
// entries exactly, and errors.As with a bbb.Error target extracts it.
type Error struct {
	Key     string
	Message string
}

// Error returns the key and message.
func (e Error) Error() string { return e.Key + ": " + e.Message }

// Envelope returns the FAILED document for e.
func (e Error) Envelope() Envelope {
	return Envelope{ReturnCode: ReturnFailed, MessageKey: e.Key, Message: e.Message}
}

// The messageKeys of the BBB and Scalelite APIs that callers construct or
// test for.
const (
	KeyChecksumError          = "checksumError"
	KeyNotFound               = "notFound"
	KeyMissingParamMeetingID  = "missingParamMeetingID"
	KeyUnsupportedRequest     = "unsupportedRequest"
	KeyUnsupportedContentType = "unsupportedContentType"
	KeyInternalError          = "internalError"
	KeyServerUnavailable      = "serverUnavailable"
	KeyServerTagUnavailable   = "serverTagUnavailable"
	KeyMissingParameters      = "missingParameters"
	KeyMissingParamRecordID   = "missingParamRecordID"
	KeyMissingParamPublish    = "missingParamPublish"
	KeyValidationError        = "validationError"
	KeyIDNotUnique            = "idNotUnique"
	KeyDuplicateWarning       = "duplicateWarning"
	KeySentEndMeetingRequest  = "sentEndMeetingRequest"
	KeySuccessfullyJoined     = "successfullyJoined"
	KeyNoMeetings             = "noMeetings"
	KeyNoRecordings           = "noRecordings"
)

// knownKeys are the message keys of the constants above.
var knownKeys = map[string]bool{
	KeyChecksumError: true, KeyNotFound: true, KeyMissingParamMeetingID: true, KeyUnsupportedRequest: true,
	KeyUnsupportedContentType: true, KeyInternalError: true, KeyServerUnavailable: true,
	KeyServerTagUnavailable: true, KeyMissingParameters: true, KeyMissingParamRecordID: true,
	KeyMissingParamPublish: true, KeyValidationError: true, KeyIDNotUnique: true, KeyDuplicateWarning: true,
	KeySentEndMeetingRequest: true, KeySuccessfullyJoined: true, KeyNoMeetings: true, KeyNoRecordings: true,
}

// KnownKey reports whether key is one of the message keys this package
// names, so a caller can tell them from whatever else a server sends.
func KnownKey(key string) bool { return knownKeys[key] }

// The load balancer's error catalogue, with Scalelite's exact messages
// (spec/scalelite.md §2.3), which clients and their tests may compare.
var (
	ErrChecksumFailed = Error{KeyChecksumError,
		"You did not pass the checksum security check"}
	ErrMeetingNotFound = Error{KeyNotFound,
		"We could not find a meeting with that meeting ID - perhaps the meeting is not yet running?"}
	ErrMissingMeetingID = Error{KeyMissingParamMeetingID,
		"You must specify a meeting ID for the meeting."}
	ErrUnsupportedRequest = Error{KeyUnsupportedRequest,
		"This request is not supported."}
	ErrUnsupportedContentType = Error{KeyUnsupportedContentType,
		"POST request Content-Type is missing or unsupported"}
	ErrServerUnavailable = Error{KeyServerUnavailable,
		"The server for this meeting is disabled/offline."}
	ErrMissingParameters = Error{KeyMissingParameters,
		"param meetingID or recordID must be included."}
	ErrMissingRecordID = Error{KeyMissingParamRecordID,
		"You must specify a recordID."}
	ErrMissingPublish = Error{KeyMissingParamPublish,
		"You must specify a publish value true or false."}
	ErrRecordingsNotFound = Error{KeyNotFound,
		"We could not find recordings"}
)

// InternalError returns an internalError with msg, such as "Unable to create
// meeting on server.". msg reaches the client: keep internals out of it.
func InternalError(msg string) Error {
	return Error{KeyInternalError, msg}
}

// ServerTagUnavailable returns the error for a required server tag no
// available server has; tag is given without its trailing '!'.
func ServerTagUnavailable(tag string) Error {
	return Error{KeyServerTagUnavailable, "There is no available server with the required tag=" + tag + "."}
}

// WriteError writes e as a BBB FAILED document with HTTP 200, as BBB reports
// API failures in the document rather than in the status.
func WriteError(w http.ResponseWriter, e Error) error {
	return WriteXML(w, e.Envelope())
}

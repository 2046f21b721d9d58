package bbb

import (
	"errors"
	"fmt"
	"testing"
)

// The catalogue must say exactly what Scalelite says (spec/scalelite.md §2.3).
func TestErrorCatalogue(t *testing.T) {
	tests := []struct {
		err          Error
		key, message string
	}{
		{ErrChecksumFailed, "checksumError", "You did not pass the checksum security check"},
		{ErrMeetingNotFound, "notFound", "We could not find a meeting with that meeting ID - perhaps the meeting is not yet running?"},
		{ErrMissingMeetingID, "missingParamMeetingID", "You must specify a meeting ID for the meeting."},
		{ErrUnsupportedRequest, "unsupportedRequest", "This request is not supported."},
		{ErrUnsupportedContentType, "unsupportedContentType", "POST request Content-Type is missing or unsupported"},
		{InternalError("Unable to create meeting on server."), "internalError", "Unable to create meeting on server."},
		{ErrServerUnavailable, "serverUnavailable", "The server for this meeting is disabled/offline."},
		{ServerTagUnavailable("test-tag"), "serverTagUnavailable", "There is no available server with the required tag=test-tag."},
		{ErrMissingParameters, "missingParameters", "param meetingID or recordID must be included."},
		{ErrMissingRecordID, "missingParamRecordID", "You must specify a recordID."},
		{ErrMissingPublish, "missingParamPublish", "You must specify a publish value true or false."},
		{ErrRecordingsNotFound, "notFound", "We could not find recordings"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if tt.err.Key != tt.key || tt.err.Message != tt.message {
				t.Errorf("got %q / %q, want %q / %q", tt.err.Key, tt.err.Message, tt.key, tt.message)
			}
			env := tt.err.Envelope()
			if env.ReturnCode != ReturnFailed || env.MessageKey != tt.key || env.Message != tt.message {
				t.Errorf("Envelope() = %+v", env)
			}
			wrapped := fmt.Errorf("handle create: %w", tt.err)
			var got Error
			if !errors.As(wrapped, &got) || got != tt.err {
				t.Errorf("errors.As through a wrap = %+v", got)
			}
			if !errors.Is(wrapped, tt.err) {
				t.Error("errors.Is through a wrap failed")
			}
		})
	}
	if errors.Is(ErrMeetingNotFound, ErrRecordingsNotFound) {
		t.Error("two notFound errors with different messages compare equal")
	}
}

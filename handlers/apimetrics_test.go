package handlers

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAnswerResult(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"success", 200, "<response><returncode>SUCCESS</returncode><running>false</running></response>", "success"},
		{"success with a message key", 200, "<response><returncode>SUCCESS</returncode><messageKey>noMeetings</messageKey></response>", "success"},
		{"our error", 200, "<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey><message>x</message></response>", "checksumError"},
		{"a server's error, indented", 200, "<?xml version=\"1.0\"?>\n<response>\n  <returncode> FAILED </returncode>\n  <messageKey>notFound</messageKey>\n</response>", "notFound"},
		{"an unknown key is not a label", 200, "<response><returncode>FAILED</returncode><messageKey>made-up-by-a-server</messageKey></response>", "failed"},
		{"a key past the sniffed bytes", 200, "<response><returncode>FAILED</returncode>" + strings.Repeat(" ", sniffLimit) + "<messageKey>notFound</messageKey></response>", "failed"},
		{"join redirect", http.StatusFound, "<a href=\"x\">Found</a>", "success"},
		{"not XML", 200, "ok", "success"},
		{"HTTP error", http.StatusBadGateway, "", "http_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := answerResult(tt.status, []byte(tt.body)); got != tt.want {
				t.Errorf("answerResult(%d, %q) = %q, want %q", tt.status, tt.body, got, tt.want)
			}
		})
	}
}

func TestResultRecorder(t *testing.T) {
	tests := []struct {
		name  string
		write func(w http.ResponseWriter)
		err   error
		want  string
	}{
		{"body in two writes: the first decides", func(w http.ResponseWriter) {
			_, _ = w.Write([]byte("<response><returncode>FAILED</returncode><messageKey>internalError</messageKey>"))
			_, _ = w.Write([]byte("<returncode>SUCCESS</returncode></response>"))
		}, nil, "internalError"},
		{"header only (HEAD)", func(w http.ResponseWriter) { w.WriteHeader(http.StatusOK) }, nil, "success"},
		{"redirect without a body", func(w http.ResponseWriter) { w.WriteHeader(http.StatusFound) }, nil, "success"},
		{"nothing written, error returned", func(http.ResponseWriter) {}, errors.New("boom"), "error"},
		{"nothing written, no error", func(http.ResponseWriter) {}, nil, "success"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			under := httptest.NewRecorder()
			rec := &resultRecorder{ResponseWriter: under}
			tt.write(rec)
			if got := rec.outcome(tt.err); got != tt.want {
				t.Errorf("outcome = %q, want %q", got, tt.want)
			}
			if rec.Unwrap() != under {
				t.Error("Unwrap does not return the writer underneath")
			}
		})
	}
}

package handlers

import (
	"net/http"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// Result labels of the API metrics besides "success" and the message keys
// of bbb.KnownKey.
const (
	resultFailed    = "failed"     // FAILED with a key bbb does not name
	resultHTTPError = "http_error" // not 200 or a redirect
	resultError     = "error"      // nothing written; the error went to Caddy
)

// sniffLimit bounds how much of an answer is searched for its returncode:
// every BBB document has it within its first elements.
const sniffLimit = 1024

// resultRecorder passes an API answer through and notes its result for the
// metrics, from the status and the start of the body.
type resultRecorder struct {
	http.ResponseWriter
	status int
	result string
}

// WriteHeader notes the status and passes it on.
func (r *resultRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

// Write reads the result from the first bytes of the body and passes them on.
func (r *resultRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.result == "" {
		r.result = answerResult(r.status, b)
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (r *resultRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// outcome returns the result label of the answer; err is what the call
// returned.
func (r *resultRecorder) outcome(err error) string {
	switch {
	case r.result != "":
		return r.result
	case r.status == 0 && err != nil:
		return resultError
	default:
		// A header alone: a HEAD request, or a redirect without a body.
		return answerResult(max(r.status, http.StatusOK), nil)
	}
}

// answerResult is "success" for a redirect (join) or a 200 whose returncode
// is not FAILED, the messageKey of a FAILED answer when bbb knows it,
// "failed" for another key and "http_error" for any other status.
func answerResult(status int, body []byte) string {
	switch {
	case status >= 300 && status < 400:
		return "success"
	case status != http.StatusOK:
		return resultHTTPError
	}
	env := bbb.PeekEnvelope(body[:min(len(body), sniffLimit)])
	if env.ReturnCode != bbb.ReturnFailed {
		return "success"
	}
	if bbb.KnownKey(env.MessageKey) {
		return env.MessageKey
	}
	return resultFailed
}

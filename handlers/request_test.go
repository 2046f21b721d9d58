package handlers

import (
	"net/http"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/module"
)

func TestChecksum(t *testing.T) {
	e := newEnv(t, func(s *module.Settings) { s.Secrets = []string{"first-secret", lbSecret} })
	const q = "meetingID=m%20x&name=A+b"
	sumOf := func(a bbb.Algorithm, query string) string {
		return bbb.Checksum(a, "isMeetingRunning", query, lbSecret)
	}
	tests := []struct {
		name        string
		method      string
		query       string
		body        string
		contentType string
		ok          bool
	}{
		{"sha1", "", signWith(bbb.SHA1, "isMeetingRunning", q, lbSecret), "", "", true},
		{"sha256", "", signWith(bbb.SHA256, "isMeetingRunning", q, lbSecret), "", "", true},
		{"sha384", "", signWith(bbb.SHA384, "isMeetingRunning", q, lbSecret), "", "", true},
		{"sha512", "", signWith(bbb.SHA512, "isMeetingRunning", q, lbSecret), "", "", true},
		{"first of two secrets", "", signWith(bbb.SHA256, "isMeetingRunning", q, "first-secret"), "", "", true},
		{"upper-case hex", "", q + "&checksum=" + strings.ToUpper(sumOf(bbb.SHA256, q)), "", "", true},
		{"checksum first", "", "checksum=" + sumOf(bbb.SHA1, q) + "&" + q, "", "", true},
		{"checksum in a form body, empty query signed", http.MethodPost, "", "meetingID=m&checksum=" + sumOf(bbb.SHA1, ""), bbb.ContentTypeForm, true},
		{"form body parameters are not signed", http.MethodPost, "meetingID=m", "checksum=" + sumOf(bbb.SHA1, ""), bbb.ContentTypeForm, false},
		{"missing", "", q, "", "", false},
		{"empty", "", q + "&checksum=", "", "", false},
		{"two checksums", "", signWith(bbb.SHA256, "isMeetingRunning", q, lbSecret) + "&checksum=" + sumOf(bbb.SHA256, q), "", "", false},
		{"checksum in query and form", http.MethodPost, signWith(bbb.SHA1, "isMeetingRunning", q, lbSecret), "checksum=" + sumOf(bbb.SHA1, q), bbb.ContentTypeForm, false},
		{"40 x", "", q + "&checksum=" + strings.Repeat("x", 40), "", "", false},
		{"md5 length", "", q + "&checksum=" + strings.Repeat("a", 32), "", "", false},
		{"wrong secret", "", signWith(bbb.SHA256, "isMeetingRunning", q, "nope"), "", "", false},
		{"other call's checksum", "", signWith(bbb.SHA256, "getMeetingInfo", q, lbSecret), "", "", false},
		{"changed query", "", signWith(bbb.SHA256, "isMeetingRunning", q, lbSecret) + "&x=1", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(request{method: tt.method, call: "isMeetingRunning", query: tt.query, body: tt.body, contentType: tt.contentType})
			if tt.ok {
				if d := wantSuccess(t, rec); d.Running {
					t.Errorf("unknown meeting running: %s", rec.Body)
				}
				return
			}
			wantError(t, rec, bbb.KeyChecksumError, bbb.ErrChecksumFailed.Message)
		})
	}

	t.Run("algorithm not allowed", func(t *testing.T) {
		e := newEnv(t, func(s *module.Settings) { s.ChecksumAlgorithms = []bbb.Algorithm{bbb.SHA256} })
		wantError(t, e.do(request{call: "getMeetings", query: signWith(bbb.SHA1, "getMeetings", "", lbSecret)}), bbb.KeyChecksumError, "")
		wantSuccess(t, e.do(request{call: "getMeetings", query: signWith(bbb.SHA256, "getMeetings", "", lbSecret)}))
	})
	t.Run("no secrets", func(t *testing.T) {
		e := newEnv(t, func(s *module.Settings) { s.Secrets = nil })
		wantError(t, e.do(request{call: "getMeetings", query: signWith(bbb.SHA256, "getMeetings", "", "")}), bbb.KeyChecksumError, "")
	})
}

func TestContentType(t *testing.T) {
	e := newEnv(t, nil)
	e.addServer("a", nil)
	slides := `<modules><module name="presentation"><document url="https://x/a.pdf"/></module></modules>`
	tests := []struct {
		name, call, contentType, body string
		ok                            bool
	}{
		{"create form", "create", bbb.ContentTypeForm, "name=Room", true},
		{"create text/xml", "create", "text/xml", slides, true},
		{"create application/xml", "create", "application/xml; charset=utf-8", slides, true},
		{"create json", "create", "application/json", `{}`, false},
		{"create body without type", "create", "", "name=Room", false},
		{"create empty body of any type", "create", "application/json", "", true},
		{"getMeetingInfo xml", "getMeetingInfo", "application/xml", "<x/>", false},
		{"getMeetingInfo text/plain", "getMeetingInfo", "text/plain", "meetingID=m", false},
		{"insertDocument form", "insertDocument", bbb.ContentTypeForm, "a=b", false},
		{"insertDocument json", "insertDocument", "application/json", "{}", false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "ct" + string(rune('a'+i))
			query := "meetingID=" + id + "&name=Room"
			rec := e.do(request{method: http.MethodPost, call: tt.call, query: sign(tt.call, query, lbSecret), body: tt.body, contentType: tt.contentType})
			d := parse(t, rec)
			if tt.ok {
				if d.ReturnCode != bbb.ReturnSuccess {
					t.Fatalf("answer %s", rec.Body)
				}
				return
			}
			wantError(t, rec, bbb.KeyUnsupportedContentType, bbb.ErrUnsupportedContentType.Message)
		})
	}
}

func TestMethods(t *testing.T) {
	e := newEnv(t, nil)
	for _, tt := range []struct{ method, call string }{
		{http.MethodPost, "join"},
		{http.MethodHead, "join"},
		{http.MethodGet, "insertDocument"},
		{http.MethodGet, "analytics_callback"},
		{http.MethodPost, "sendChatMessage"},
		{http.MethodPut, "create"},
		{http.MethodDelete, "end"},
		{http.MethodGet, "getRecordingTextTracks"},
	} {
		rec := e.do(request{method: tt.method, call: tt.call, query: sign(tt.call, "meetingID=m", lbSecret)})
		wantError(t, rec, bbb.KeyUnsupportedRequest, bbb.ErrUnsupportedRequest.Message)
	}
}

func TestMissingMeetingID(t *testing.T) {
	e := newEnv(t, nil)
	for _, call := range []string{"create", "join", "end", "isMeetingRunning", "getMeetingInfo", "sendChatMessage"} {
		for _, q := range []string{"", "meetingID=", "meetingID=%20"} {
			wantError(t, e.get(call, q), bbb.KeyMissingParamMeetingID, bbb.ErrMissingMeetingID.Message)
		}
	}
	wantError(t, e.do(request{method: http.MethodPost, call: "insertDocument", query: sign("insertDocument", "", lbSecret)}),
		bbb.KeyMissingParamMeetingID, "")
}

// TestNoLiveStore: before the app has a live store every call that needs it
// answers internalError rather than panicking.
func TestNoLiveStore(t *testing.T) {
	h := &Handler{settings: testSettings(), logger: zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel+1))}
	h.wire(nil, nil, nil)
	e := &env{t: t, h: h}
	for _, call := range []string{"create", "join", "end", "isMeetingRunning", "getMeetingInfo", "getMeetings", "sendChatMessage"} {
		wantError(t, e.get(call, "meetingID=m"), bbb.KeyInternalError, "")
	}
	wantError(t, e.do(request{method: http.MethodPost, call: "insertDocument", query: sign("insertDocument", "meetingID=m", lbSecret)}), bbb.KeyInternalError, "")
	wantError(t, e.do(request{method: http.MethodPost, call: "analytics_callback"}), bbb.KeyInternalError, "")
	// The index needs nothing.
	wantSuccess(t, e.do(request{call: ""}))
}

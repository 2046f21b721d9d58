package handlers

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// frontEnd records analytics deliveries and answers status to each.
type frontEnd struct {
	mu       sync.Mutex
	status   int
	attempts []http.Header
	docs     []map[string]any
	srv      *httptest.Server
}

func newFrontEnd(t *testing.T, status int) *frontEnd {
	f := &frontEnd{status: status}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var doc map[string]any
		_ = json.Unmarshal(body, &doc)
		f.mu.Lock()
		f.attempts = append(f.attempts, r.Header.Clone())
		f.docs = append(f.docs, doc)
		status := f.status
		f.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *frontEnd) seen() ([]http.Header, []map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts, f.docs
}

func analyticsBody(meetingID string) string {
	return `{"version":"1.0","meeting_id":"` + meetingID + `","internal_meeting_id":"abc-1","data":{"duration":42}}`
}

func bearer(t *testing.T, secret string, exp time.Time) http.Header {
	tok, err := bbb.SignJWT(bbb.HS512, map[string]any{"exp": exp.Unix()}, secret)
	if err != nil {
		t.Fatal(err)
	}
	return http.Header{"Authorization": {"Bearer " + tok}}
}

func TestAnalyticsCallback(t *testing.T) {
	lbSecrets := []string{"lb-one", "lb-two", "lb-three"}
	e := newEnv(t, func(s *module.Settings) { s.Secrets = lbSecrets })
	e.addServer("a", nil)
	e.addServer("b", nil)
	ok := newFrontEnd(t, http.StatusOK)
	refusing := newFrontEnd(t, http.StatusBadRequest)
	for id, url := range map[string]string{"ok-room": ok.srv.URL, "refused-room": refusing.srv.URL} {
		if err := e.live.PutCallback(ctx(t), store.CallbackData{MeetingID: id, AnalyticsURL: url + "/analytics"}); err != nil {
			t.Fatal(err)
		}
	}
	post := func(meetingID string, header http.Header) {
		t.Helper()
		rec := e.do(request{method: http.MethodPost, call: "analytics_callback", body: analyticsBody(meetingID),
			contentType: "application/json", header: header})
		if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
			t.Fatalf("answer %d %q, want 204", rec.Code, rec.Body)
		}
	}
	valid := bearer(t, "secret-b", time.Now().Add(time.Hour))

	post("ok-room", valid)
	attempts, docs := ok.seen()
	if len(attempts) != 1 {
		t.Fatalf("%d deliveries, want 1", len(attempts))
	}
	h := attempts[0]
	if h.Get("Content-Type") != "application/json" || h.Get("User-Agent") != "BigBlueButton Analytics Callback" {
		t.Errorf("headers %v", h)
	}
	tok, _ := strings.CutPrefix(h.Get("Authorization"), "Bearer ")
	if _, err := bbb.VerifyJWT(tok, bbb.HS512, []string{"lb-one"}, time.Now()); err != nil {
		t.Errorf("relayed token not signed with the first LB secret: %v", err)
	}
	if docs[0]["customer"] != "scalelite" || docs[0]["meeting_id"] != "ok-room" || docs[0]["internal_meeting_id"] != "abc-1" {
		t.Errorf("relayed document %v", docs[0])
	}

	// A refusing front-end gets one attempt per secret.
	post("refused-room", valid)
	if attempts, _ := refusing.seen(); len(attempts) != 3 {
		t.Errorf("%d attempts, want one per LB secret (3)", len(attempts))
	}

	// Nothing is relayed without a valid server token or stored URL.
	for name, header := range map[string]http.Header{
		"no token":            nil,
		"LB secret":           bearer(t, "lb-one", time.Now().Add(time.Hour)),
		"expired":             bearer(t, "secret-a", time.Now().Add(-time.Minute)),
		"not a bearer header": {"Authorization": {"Basic abc"}},
	} {
		post("ok-room", header)
		if attempts, _ := ok.seen(); len(attempts) != 1 {
			t.Fatalf("%s: relayed", name)
		}
	}
	post("unknown-room", valid)
	rec := e.do(request{method: http.MethodPost, call: "analytics_callback", body: "not json", header: valid})
	if rec.Code != http.StatusNoContent {
		t.Errorf("bad body answered %d", rec.Code)
	}
}

func TestAnalyticsCallbackTenant(t *testing.T) {
	e := newTenantEnv(t)
	if err := e.live.UpdateTenant(ctx(t), store.Tenant{ID: "id-t1", Name: "t1", Secrets: []string{"secret-of-t1", "second-of-t1"}}); err != nil {
		t.Fatal(err)
	}
	refusing := newFrontEnd(t, http.StatusInternalServerError)
	e.create("meetingID=room1&name=Room&meta_analytics-callback-url="+refusing.srv.URL, host("t1"))
	m, _ := e.live.Meeting(ctx(t), "id-t1", "room1")
	q, _ := lastQuery(t, e.sims[m.ServerID], "create")
	if got := q.Get("meta_analytics-callback-url"); got != "https://"+host("t1")+"/bigbluebutton/api/analytics_callback" {
		t.Fatalf("analytics URL forwarded as %q", got)
	}

	header := bearer(t, "secret-"+m.ServerID, time.Now().Add(time.Hour))
	rec := e.do(request{method: http.MethodPost, call: "analytics_callback", host: host("t1"), body: analyticsBody("room1"),
		contentType: "application/json", header: header})
	if rec.Code != http.StatusNoContent {
		t.Fatalf("answer %d %s", rec.Code, rec.Body)
	}
	attempts, docs := refusing.seen()
	if len(attempts) != 2 {
		t.Fatalf("%d attempts, want one per tenant secret (2)", len(attempts))
	}
	if docs[0]["customer"] != "t1" {
		t.Errorf("customer %v", docs[0]["customer"])
	}
	// Another tenant's host finds no callback for room1; an unknown
	// tenant's host fails the checksum, as every API call does.
	e.do(request{method: http.MethodPost, call: "analytics_callback", host: host("t2"), body: analyticsBody("room1"), header: header})
	if attempts, _ := refusing.seen(); len(attempts) != 2 {
		t.Errorf("t2's host relayed t1's analytics")
	}
	wantError(t, e.do(request{method: http.MethodPost, call: "analytics_callback", host: host("nobody"), body: analyticsBody("room1"), header: header}),
		bbb.KeyChecksumError, "")
}

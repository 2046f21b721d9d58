package bbbsim

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

const testSecret = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"

// startSim starts a simulator on a loopback port, closed when the test ends.
func startSim(t *testing.T, opts Options) *Sim {
	t.Helper()
	if opts.Secret == "" {
		opts.Secret = testSecret
	}
	s := New(opts)
	if err := s.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// newClient returns a client that does not follow redirects, so join's 302
// can be inspected.
func newClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		Transport:     &http.Transport{},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// sign appends a checksum of alg over query to a call URL.
func sign(s *Sim, call, query string, alg bbb.Algorithm) string {
	sum := bbb.Checksum(alg, call, query, s.Secret())
	if query == "" {
		return s.URL() + "/" + call + "?checksum=" + sum
	}
	return s.URL() + "/" + call + "?" + query + "&checksum=" + sum
}

// response is an answer read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, method, target, contentType string, body []byte) response {
	t.Helper()
	client := newClient(5 * time.Second)
	defer client.CloseIdleConnections()
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if body == nil {
		req.Body, req.ContentLength = nil, 0
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// call signs query with SHA-256 and GETs the call.
func call(t *testing.T, s *Sim, name, query string) response {
	t.Helper()
	return do(t, http.MethodGet, sign(s, name, query, bbb.SHA256), "", nil)
}

// node is a generic XML element, children in document order.
type node struct {
	XMLName xml.Name
	Text    string `xml:",chardata"`
	Nodes   []node `xml:",any"`
}

func (n node) names() []string {
	out := make([]string, len(n.Nodes))
	for i, c := range n.Nodes {
		out[i] = c.XMLName.Local
	}
	return out
}

func (n node) child(name string) (node, bool) {
	for _, c := range n.Nodes {
		if c.XMLName.Local == name {
			return c, true
		}
	}
	return node{}, false
}

func (n node) text(name string) string {
	c, _ := n.child(name)
	return strings.TrimSpace(c.Text)
}

// parseXML checks the framing of an API answer and returns its root.
func parseXML(t *testing.T, r response) node {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/xml;charset=utf-8" {
		t.Errorf("Content-Type %q, want text/xml;charset=utf-8", ct)
	}
	if bytes.HasPrefix(r.body, []byte("<?xml")) {
		t.Errorf("answer starts with an XML declaration: %s", r.body)
	}
	var root node
	if err := xml.Unmarshal(r.body, &root); err != nil {
		t.Fatalf("parse %s: %v", r.body, err)
	}
	if root.XMLName.Local != "response" {
		t.Fatalf("root <%s>, want <response>", root.XMLName.Local)
	}
	return root
}

// wantNames fails unless n's children are exactly want, in order.
func wantNames(t *testing.T, n node, want ...string) {
	t.Helper()
	if got := n.names(); !slices.Equal(got, want) {
		t.Errorf("<%s> children\n got %v\nwant %v", n.XMLName.Local, got, want)
	}
}

// wantError fails unless root is a FAILED answer with key and message.
func wantError(t *testing.T, root node, key, message string) {
	t.Helper()
	wantNames(t, root, "returncode", "messageKey", "message")
	if rc := root.text("returncode"); rc != "FAILED" {
		t.Errorf("returncode %q, want FAILED", rc)
	}
	if k := root.text("messageKey"); k != key {
		t.Errorf("messageKey %q, want %q", k, key)
	}
	if m := root.text("message"); m != message {
		t.Errorf("message %q, want %q", m, message)
	}
}

// createMeeting creates a meeting through the API and returns the answer.
func createMeeting(t *testing.T, s *Sim, meetingID string, extra url.Values) node {
	t.Helper()
	q := url.Values{"meetingID": {meetingID}, "name": {"Meeting " + meetingID}}
	for k, v := range extra {
		q[k] = v
	}
	root := parseXML(t, call(t, s, "create", q.Encode()))
	if rc := root.text("returncode"); rc != "SUCCESS" {
		t.Fatalf("create %s: %s", meetingID, root.text("message"))
	}
	return root
}

// joinErrors decodes the errors parameter of a join error redirect.
func joinErrors(t *testing.T, location string) (target string, errs []apiError) {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil {
		t.Fatalf("parse Location %q: %v", location, err)
	}
	raw := u.Query().Get("errors")
	if raw == "" {
		t.Fatalf("Location %q has no errors parameter", location)
	}
	var list []struct {
		Key     string `json:"key"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		t.Fatalf("errors %q: %v", raw, err)
	}
	for _, e := range list {
		errs = append(errs, apiError{e.Key, e.Message})
	}
	q := u.Query()
	q.Del("errors")
	u.RawQuery = q.Encode()
	return u.String(), errs
}

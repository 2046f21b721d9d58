package handlers

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/sqlite"
)

const lbSecret = "lb-secret-0123456789"

// env is a handler over a real SQLite store and real simulated BBB servers.
type env struct {
	t    *testing.T
	h    *Handler
	live *sqlite.Store
	sims map[string]*bbbsim.Sim
}

// testSettings are the defaults of the app, with short timeouts so the
// fault tests stay fast.
func testSettings() module.Settings {
	return module.Settings{
		Secrets:            []string{lbSecret},
		ChecksumAlgorithms: bbb.Algorithms,
		OutboundChecksum:   bbb.SHA256,
		ConnectTimeout:     500 * time.Millisecond,
		ResponseTimeout:    700 * time.Millisecond,
		LoadMinUserCount:   15,
		VoiceBridgeLength:  9,
	}
}

func newEnv(t *testing.T, change func(*module.Settings)) *env {
	t.Helper()
	s := testSettings()
	if change != nil {
		change(&s)
	}
	live, err := sqlite.Open(filepath.Join(t.TempDir(), "bbb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.Close() })
	if err := live.Migrate(ctx(t)); err != nil {
		t.Fatal(err)
	}
	client := bbb.NewClient(bbb.ClientConfig{ConnectTimeout: s.ConnectTimeout, ResponseTimeout: s.ResponseTimeout, Algorithm: s.OutboundChecksum})
	t.Cleanup(client.Close)
	h := &Handler{settings: s, logger: zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))}
	h.wire(live, live, client)
	return &env{t: t, h: h, live: live, sims: map[string]*bbbsim.Sim{}}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// addServer starts a simulated BBB server and adds it to the pool, enabled
// and online, with change applied to its record.
func (e *env) addServer(id string, change func(*store.Server)) *bbbsim.Sim {
	e.t.Helper()
	sim := bbbsim.New(bbbsim.Options{Secret: "secret-" + id})
	if err := sim.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { sim.Close() })
	s := store.Server{ID: id, URL: sim.URL(), Secret: sim.Secret(), State: store.StateEnabled, Online: true, LoadMultiplier: 1}
	if change != nil {
		change(&s)
	}
	if err := e.live.AddServer(ctx(e.t), s); err != nil {
		e.t.Fatal(err)
	}
	e.sims[id] = sim
	return sim
}

func (e *env) updateServer(id string, change func(*store.Server)) {
	e.t.Helper()
	if _, err := e.live.UpdateServer(ctx(e.t), id, func(s *store.Server) error { change(s); return nil }); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) server(id string) store.Server {
	e.t.Helper()
	s, err := e.live.Server(ctx(e.t), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// sign returns query with the checksum of call appended.
func sign(call, query, secret string) string {
	return signWith(bbb.SHA256, call, query, secret)
}

func signWith(a bbb.Algorithm, call, query, secret string) string {
	sum := bbb.Checksum(a, call, query, secret)
	if query == "" {
		return "checksum=" + sum
	}
	return query + "&checksum=" + sum
}

// request is one API request to the handler.
type request struct {
	method      string // GET when empty
	call        string
	query       string // sent as is: sign it first
	body        string
	contentType string
	host        string
	header      http.Header
}

func (e *env) do(r request) *httptest.ResponseRecorder {
	e.t.Helper()
	if r.method == "" {
		r.method = http.MethodGet
	}
	target := apiPrefix + "/" + r.call
	if r.query != "" {
		target += "?" + r.query
	}
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req := httptest.NewRequest(r.method, target, body)
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.host != "" {
		req.Host = r.host
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	if err := e.h.ServeHTTP(rec, req, nextHandler); err != nil {
		e.t.Fatalf("ServeHTTP: %v", err)
	}
	return rec
}

// get sends a signed GET of call with query.
func (e *env) get(call, query string) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.do(request{call: call, query: sign(call, query, lbSecret)})
}

// doc is the parts of a BBB answer the tests look at.
type doc struct {
	ReturnCode  string `xml:"returncode"`
	MessageKey  string `xml:"messageKey"`
	Message     string `xml:"message"`
	Running     bool   `xml:"running"`
	VoiceBridge string `xml:"voiceBridge"`
	MeetingID   string `xml:"meetingID"`
	Meetings    []struct {
		MeetingID string `xml:"meetingID"`
		TenantID  string `xml:"metadata>tenant-id"`
	} `xml:"meetings>meeting"`
}

func parse(t *testing.T, rec *httptest.ResponseRecorder) doc {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", rec.Code, rec.Body)
	}
	var d doc
	if err := xml.Unmarshal(rec.Body.Bytes(), &d); err != nil {
		t.Fatalf("answer is not XML: %v: %s", err, rec.Body)
	}
	return d
}

// wantError asserts a FAILED answer with key (and message when not empty).
func wantError(t *testing.T, rec *httptest.ResponseRecorder, key, message string) {
	t.Helper()
	d := parse(t, rec)
	if d.ReturnCode != bbb.ReturnFailed || d.MessageKey != key || (message != "" && d.Message != message) {
		t.Fatalf("answer %s, want FAILED %s %q", rec.Body, key, message)
	}
}

func wantSuccess(t *testing.T, rec *httptest.ResponseRecorder) doc {
	t.Helper()
	d := parse(t, rec)
	if d.ReturnCode != bbb.ReturnSuccess {
		t.Fatalf("answer %s, want SUCCESS", rec.Body)
	}
	return d
}

// create creates a meeting through the handler and asserts success.
func (e *env) create(query string, host string) doc {
	e.t.Helper()
	return wantSuccess(e.t, e.do(request{call: "create", query: sign("create", query, e.secretFor(host)), host: host}))
}

// secretFor returns the secret a front-end at host signs with; tenants'
// secrets are "secret-of-<name>".
func (e *env) secretFor(host string) string {
	if e.h.settings.Multitenancy == "" {
		return lbSecret
	}
	name, _, _ := strings.Cut(host, ".")
	return "secret-of-" + name
}

// lastQuery returns the parsed query of the last request of call a
// simulator received.
func lastQuery(t *testing.T, sim *bbbsim.Sim, call string) (url.Values, bbbsim.Request) {
	t.Helper()
	reqs := sim.RequestsFor(call)
	if len(reqs) == 0 {
		t.Fatalf("the server received no %s", call)
	}
	r := reqs[len(reqs)-1]
	q, err := url.ParseQuery(r.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	return q, r
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

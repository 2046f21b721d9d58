package integration

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// lbSecret is the front-end secret of the load balancer under test.
const lbSecret = "lb-integration-secret"

// lbAddr is where the Caddy under test serves HTTP (testHeader's http_port).
const lbAddr = "localhost:9080"

// onlineWait bounds how long a test waits for the poller to bring servers
// online or mark them offline; the configs below poll every 200ms.
const onlineWait = 3 * time.Second

// startFleet starts n simulated BBB servers on loopback ports, each with its
// own secret, and closes them when the test ends.
func startFleet(t *testing.T, n int) []*bbbsim.Sim {
	t.Helper()
	sims := make([]*bbbsim.Sim, n)
	for i := range sims {
		sim := bbbsim.New(bbbsim.Options{Secret: fmt.Sprintf("sim-secret-%d", i), Version: "3.0.9"})
		if err := sim.Start(); err != nil {
			t.Fatalf("start bbbsim %d: %v", i, err)
		}
		t.Cleanup(func() {
			if err := sim.Close(); err != nil {
				t.Errorf("close bbbsim %d: %v", i, err)
			}
		})
		sims[i] = sim
	}
	return sims
}

// lbConfig is the bbb global block of a test config. Extra holds more lines
// of the block, e.g. "checksum_algorithms sha256".
type lbConfig struct {
	Extra []string
	// Multitenancy serves <tenant>.localhost as well and turns on
	// multitenancy under the base domain localhost.
	Multitenancy bool
}

// lb is the Caddy under test with its bbb app's live store.
type lb struct {
	t    *testing.T
	live store.Live
	// client sends requests to the Caddy under test whatever their host,
	// and does not follow redirects: a join's 302 is what tests assert.
	client *http.Client
}

// startLB loads a config with the bbb app (SQLite store in a temp dir, a
// poller every 200ms) and a site that runs the bbb handler, and returns it
// once the app is running.
func startLB(t *testing.T, cfg lbConfig) *lb {
	t.Helper()
	lines := []string{
		"secrets " + lbSecret,
		"store sqlite " + filepath.Join(t.TempDir(), "bbb.db"),
		"poll_interval 200ms",
		"connect_timeout 1s",
		"response_timeout 2s",
	}
	hosts := "http://" + lbAddr
	if cfg.Multitenancy {
		lines = append(lines, "multitenancy localhost")
		hosts += ", http://*." + lbAddr
	}
	lines = append(lines, cfg.Extra...)
	config := "{" + testHeader + "\tbbb {\n\t\t" + strings.Join(lines, "\n\t\t") + "\n\t}\n}\n" +
		hosts + " {\n\tbbb\n}\n"
	tester := newTester(t)
	tester.InitServer(config, "caddyfile")
	if t.Failed() {
		t.FailNow()
	}

	v, err := activeContext(t).App("bbb")
	if err != nil {
		t.Fatalf("bbb app of the running config: %v", err)
	}
	app, ok := v.(*module.App)
	if !ok || app.Live() == nil {
		t.Fatalf("bbb app of the running config is %T without a live store", v)
	}
	transport := loopbackTransport()
	t.Cleanup(transport.CloseIdleConnections)
	client := &http.Client{
		Transport: retryDropped{next: transport},
		Timeout:   10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return &lb{t: t, live: app.Live(), client: client}
}

// activeContext returns the context of the running config. Caddy swaps it
// in just after the config's apps have started, so it may lag the load a
// moment. When it never comes, the admin endpoint caddytest loaded the
// config into belongs to another process, such as a second test binary
// running at the same time, and this process has no config to look at.
func activeContext(t *testing.T) caddy.Context {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		if ctx := caddy.ActiveContext(); ctx.Context != nil {
			return ctx
		}
		if time.Now().After(deadline) {
			t.Fatal("this process runs no Caddy config 2s after loading one: is another process " +
				"(a second integration test binary?) serving the admin endpoint localhost:2999?")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// in returns l for use in a subtest: failures go to t.
func (l *lb) in(t *testing.T) *lb {
	c := *l
	c.t = t
	return &c
}

// loopbackTransport dials every host on 127.0.0.1 at the port asked for, so
// <tenant>.localhost reaches the Caddy under test without a resolver.
func loopbackTransport() *http.Transport {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, fmt.Errorf("dial %s: %w", addr, err)
			}
			return dialer.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
		},
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
	}
}

// addServers registers the simulators as enabled (not yet online) servers
// sim0, sim1, … and waits until the poller has brought them all online: the
// path a real deployment takes.
func (l *lb) addServers(sims []*bbbsim.Sim) {
	l.t.Helper()
	ctx := l.t.Context()
	for i, sim := range sims {
		err := l.live.AddServer(ctx, store.Server{
			ID:             serverID(i),
			URL:            sim.URL(),
			Secret:         sim.Secret(),
			State:          store.StateEnabled,
			LoadMultiplier: 1,
		})
		if err != nil {
			l.t.Fatalf("add server %d: %v", i, err)
		}
	}
	for i := range sims {
		l.waitOnline(serverID(i), true)
	}
}

func serverID(i int) string { return fmt.Sprintf("sim%d", i) }

// waitOnline waits until the poller reports the server online (or offline).
func (l *lb) waitOnline(id string, online bool) {
	l.t.Helper()
	deadline := time.Now().Add(onlineWait)
	for {
		srv, err := l.live.Server(l.t.Context(), id)
		if err != nil {
			l.t.Fatalf("server %s: %v", id, err)
		}
		if srv.Online == online {
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("server %s: online=%v after %s, want %v", id, srv.Online, onlineWait, online)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// addTenant stores a tenant in the live store and returns it.
func (l *lb) addTenant(name string, secrets ...string) store.Tenant {
	l.t.Helper()
	tenant := store.Tenant{ID: "id-" + name, Name: name, Secrets: secrets}
	if err := l.live.AddTenant(l.t.Context(), tenant); err != nil {
		l.t.Fatalf("add tenant %s: %v", name, err)
	}
	return tenant
}

// caller is a front-end: the host it reaches the load balancer under, and
// the secret and checksum algorithm it signs with.
type caller struct {
	host      string
	secret    string
	algorithm bbb.Algorithm
}

// frontEnd signs like most front-ends: the LB secret, SHA-256.
var frontEnd = caller{host: lbAddr, secret: lbSecret, algorithm: bbb.SHA256}

// url returns the signed URL of call with query as the raw query string, as
// the front-end would send it: the checksum over call+query+secret appended
// last, query bytes untouched.
func (c caller) url(call, query string) string {
	sum := bbb.Checksum(c.algorithm, call, query, c.secret)
	u := "http://" + c.host + "/bigbluebutton/api/" + call + "?"
	if query != "" {
		u += query + "&"
	}
	return u + "checksum=" + sum
}

// reply is a request's answer: status, headers and body.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request to the Caddy under test and reads the whole answer.
func (l *lb) do(method, rawURL, contentType string, body io.Reader) reply {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(l.t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, rawURL, body)
	if err != nil {
		l.t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		l.t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		l.t.Fatalf("%s %s: read body: %v", method, rawURL, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// get sends a GET and parses the BBB document it answers.
func (l *lb) get(rawURL string) apiDoc {
	l.t.Helper()
	return l.doc(l.do(http.MethodGet, rawURL, "", nil), "GET "+rawURL)
}

// post sends a POST with body and parses the BBB document it answers.
func (l *lb) post(rawURL, contentType, body string) apiDoc {
	l.t.Helper()
	return l.doc(l.do(http.MethodPost, rawURL, contentType, strings.NewReader(body)), "POST "+rawURL)
}

// doc checks that r is a BBB document (HTTP 200, XML) and parses it.
func (l *lb) doc(r reply, what string) apiDoc {
	l.t.Helper()
	if r.status != http.StatusOK {
		l.t.Fatalf("%s: status %d, want 200 (body %s)", what, r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != bbb.ContentTypeXML {
		l.t.Errorf("%s: Content-Type %q, want %q", what, ct, bbb.ContentTypeXML)
	}
	var d apiDoc
	if err := xml.Unmarshal(r.body, &d); err != nil {
		l.t.Fatalf("%s: body is not a BBB document: %v (%s)", what, err, r.body)
	}
	d.raw = string(r.body)
	return d
}

// join asks for the join redirect of a meeting and returns the Location,
// failing the test unless the answer is a 302.
func (l *lb) join(c caller, query string) *url.URL {
	l.t.Helper()
	r := l.do(http.MethodGet, c.url("join", query), "", nil)
	if r.status != http.StatusFound {
		l.t.Fatalf("join %s: status %d, want 302 (body %s)", query, r.status, r.body)
	}
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		l.t.Fatalf("join %s: Location %q: %v", query, r.header.Get("Location"), err)
	}
	return loc
}

// apiDoc holds the elements of BBB documents the tests look at.
type apiDoc struct {
	ReturnCode  string        `xml:"returncode"`
	MessageKey  string        `xml:"messageKey"`
	Message     string        `xml:"message"`
	MeetingID   string        `xml:"meetingID"`
	VoiceBridge string        `xml:"voiceBridge"`
	ModeratorPW string        `xml:"moderatorPW"`
	AttendeePW  string        `xml:"attendeePW"`
	Running     bool          `xml:"running"`
	Participant int           `xml:"participantCount"`
	Metadata    bbb.Metadata  `xml:"metadata"`
	Meetings    []bbb.Meeting `xml:"meetings>meeting"`
	raw         string
}

// wantSuccess fails the test unless the document is SUCCESS.
func (d apiDoc) wantSuccess(t *testing.T, what string) apiDoc {
	t.Helper()
	if d.ReturnCode != bbb.ReturnSuccess {
		t.Fatalf("%s: returncode %q (%s: %s), want SUCCESS; body %s", what, d.ReturnCode, d.MessageKey, d.Message, d.raw)
	}
	return d
}

// wantError checks that the document is the FAILED document of e.
func (d apiDoc) wantError(t *testing.T, what string, e bbb.Error) {
	t.Helper()
	if d.ReturnCode != bbb.ReturnFailed || d.MessageKey != e.Key || d.Message != e.Message {
		t.Errorf("%s: got %s/%s/%q, want FAILED/%s/%q; body %s", what, d.ReturnCode, d.MessageKey, d.Message, e.Key, e.Message, d.raw)
	}
}

// meetingIDs returns the meetingIDs of a getMeetings document.
func (d apiDoc) meetingIDs() []string {
	ids := make([]string, 0, len(d.Meetings))
	for _, m := range d.Meetings {
		ids = append(ids, m.MeetingID)
	}
	return ids
}

// simRunning returns the index of the simulator that has the meeting, or -1;
// it fails the test when more than one has it.
func simRunning(t *testing.T, sims []*bbbsim.Sim, meetingID string) int {
	t.Helper()
	found := -1
	for i, sim := range sims {
		if _, ok := sim.Meeting(meetingID); ok {
			if found >= 0 {
				t.Fatalf("meeting %s runs on sim %d and sim %d", meetingID, found, i)
			}
			found = i
		}
	}
	return found
}

// checkJoinLocation checks that a join redirect points at the join call of
// sim, signed with sim's secret, and returns its parameters.
func checkJoinLocation(t *testing.T, loc *url.URL, sim *bbbsim.Sim) url.Values {
	t.Helper()
	simURL, err := url.Parse(sim.URL())
	if err != nil {
		t.Fatal(err)
	}
	if loc.Scheme != simURL.Scheme || loc.Host != simURL.Host || loc.Path != simURL.Path+"/join" {
		t.Fatalf("join Location %s does not point at %s/join", loc, sim.URL())
	}
	params, err := url.ParseQuery(loc.RawQuery)
	if err != nil {
		t.Fatalf("join Location query %q: %v", loc.RawQuery, err)
	}
	sums := params["checksum"]
	if len(sums) != 1 {
		t.Fatalf("join Location %s: %d checksums, want 1", loc, len(sums))
	}
	if _, err := (bbb.Verifier{}).Verify("join", loc.RawQuery, sums[0], []string{sim.Secret()}); err != nil {
		t.Fatalf("join Location %s: checksum does not verify with the server's secret: %v", loc, err)
	}
	return params
}

// followJoin sends the join URL the load balancer redirected to on to the
// simulator, as the user's browser would, and checks the simulator let the
// user in (a redirect to its HTML5 client, not to an error page).
func (l *lb) followJoin(loc *url.URL) {
	l.t.Helper()
	r := l.do(http.MethodGet, loc.String(), "", nil)
	to := r.header.Get("Location")
	if r.status != http.StatusFound || !strings.Contains(to, "/html5client/join?sessionToken=") {
		l.t.Fatalf("join at the BBB server: status %d, Location %q; want 302 to the HTML5 client", r.status, to)
	}
}

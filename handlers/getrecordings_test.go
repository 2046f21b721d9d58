package handlers

import (
	"context"
	"crypto/tls"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// recEnv is a handler with recordings in a real SQLite store and their files
// in temporary publish and unpublish directories.
type recEnv struct {
	*env
	publishDir   string
	unpublishDir string
	// next serves the publish directory, as file_server would after bbb.
	next caddyhttp.Handler
}

const servedByNext = "X-Served-By-Next"

func newRecEnv(t *testing.T, change func(*module.Settings)) *recEnv {
	t.Helper()
	pub, unpub := t.TempDir(), t.TempDir()
	e := newEnv(t, func(s *module.Settings) {
		s.Recordings = module.RecordingSettings{
			PublishDir:      pub,
			UnpublishDir:    unpub,
			PlaybackFormats: []string{"presentation", "video", "screenshare", "podcast", "notes", "capture"},
			TokenTimeout:    time.Minute,
			CookieTimeout:   time.Hour,
		}
		if change != nil {
			change(s)
		}
	})
	files := http.FileServer(http.Dir(pub))
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set(servedByNext, "yes")
		files.ServeHTTP(w, r)
		return nil
	})
	return &recEnv{env: e, publishDir: pub, unpublishDir: unpub, next: next}
}

// multitenant sets up tenants alpha (id t-alpha) and beta (id t-beta) under
// bbb.example.com.
func multitenant(s *module.Settings) { s.Multitenancy = "bbb.example.com" }

const (
	alphaHost = "alpha.bbb.example.com"
	betaHost  = "beta.bbb.example.com"
)

func (e *recEnv) addTenants() {
	e.t.Helper()
	for _, name := range []string{"alpha", "beta"} {
		if err := e.live.AddTenant(ctx(e.t), store.Tenant{ID: "t-" + name, Name: name, Secrets: []string{"secret-of-" + name}}); err != nil {
			e.t.Fatal(err)
		}
	}
}

// addRecording stores r and writes a metadata.xml for each of its formats
// into the publish or unpublish directory, as its state says.
func (e *recEnv) addRecording(r store.Recording) {
	e.t.Helper()
	if r.State == "" {
		r.State = map[bool]string{true: "published", false: "unpublished"}[r.Published]
	}
	for i, f := range r.Formats {
		if f.URL == "" {
			r.Formats[i].URL = "/playback/" + f.Format + "/2.3/" + r.RecordID
		}
	}
	if _, err := e.live.UpsertRecording(ctx(e.t), r); err != nil {
		e.t.Fatal(err)
	}
	dir := e.unpublishDir
	if r.Published {
		dir = e.publishDir
	}
	for _, f := range r.Formats {
		e.writeFile(dir, f.Format+"/"+r.RecordID+"/metadata.xml", f.Format+" of "+r.RecordID)
	}
}

func (e *recEnv) writeFile(dir, rel, content string) {
	e.t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// exists reports whether dir/rel exists.
func exists(t *testing.T, dir, rel string) bool {
	t.Helper()
	_, err := os.Stat(filepath.Join(dir, rel))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return err == nil
}

func (e *recEnv) recording(id string) store.Recording {
	e.t.Helper()
	r, err := e.live.Recording(ctx(e.t), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// call sends a signed GET of call with query to host ("" = no host).
func (e *recEnv) call(host, call, query string) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.do(request{call: call, query: sign(call, query, e.secretFor(host)), host: host})
}

// getRecordings calls getRecordings and parses its successful answer.
func (e *recEnv) getRecordings(host, query string) bbb.RecordingsResponse {
	e.t.Helper()
	rec := e.call(host, "getRecordings", query)
	var d bbb.RecordingsResponse
	if rec.Code != http.StatusOK {
		e.t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &d); err != nil {
		e.t.Fatalf("answer is not XML: %v: %s", err, rec.Body)
	}
	if d.ReturnCode != bbb.ReturnSuccess {
		e.t.Fatalf("getRecordings?%s: %s", query, rec.Body)
	}
	return d
}

func recordIDs(d bbb.RecordingsResponse) []string {
	var ids []string
	for _, r := range d.Recordings.Recordings {
		ids = append(ids, r.RecordID)
	}
	return ids
}

// fetch sends a GET of target (path and query) to host through the handler,
// with the given cookies, and next after it.
func (e *recEnv) fetch(host, target string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if host != "" {
		req.Host = host
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	if err := e.h.ServeHTTP(rec, req, e.next); err != nil {
		e.t.Fatalf("ServeHTTP %s: %v", target, err)
	}
	return rec
}

var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

func format(name string) store.PlaybackFormat { return store.PlaybackFormat{Format: name} }

// addQuerySet stores recordings for the filter tests, newest first:
// bbb-4 (deleted), bbb-3 (processing), aaa-2 (unpublished), aaa-1, abc-5.
func (e *recEnv) addQuerySet() {
	e.t.Helper()
	for _, r := range []store.Recording{
		{RecordID: "aaa-1", MeetingID: "m1", Published: true, StartTime: t0.Add(1 * time.Hour),
			Metadata: map[string]string{"origin": "greenlight", "course": "math-101"},
			Formats: []store.PlaybackFormat{{Format: "presentation", URL: "/playback/presentation/2.3/aaa-1", Length: 2,
				Previews: []store.Preview{{URL: "/presentation/aaa-1/thumb-1.png", Width: 176, Height: 136, Alt: "Welcome"}}}, format("podcast")}},
		{RecordID: "aaa-2", MeetingID: "m1", Published: false, StartTime: t0.Add(2 * time.Hour),
			Metadata: map[string]string{"origin": "moodle"}, Formats: []store.PlaybackFormat{format("presentation")}},
		{RecordID: "bbb-3", MeetingID: "m2", State: "processing", StartTime: t0.Add(3 * time.Hour)},
		{RecordID: "bbb-4", MeetingID: "m3", State: "deleted", StartTime: t0.Add(4 * time.Hour)},
		{RecordID: "abc-5", MeetingID: "m2", Published: true, StartTime: t0,
			Metadata: map[string]string{"origin": "greenlight-x", "course": "math-101"}, Formats: []store.PlaybackFormat{format("video")}},
	} {
		e.addRecording(r)
	}
}

func TestGetRecordingsFilters(t *testing.T) {
	e := newRecEnv(t, nil)
	e.addQuerySet()
	tests := []struct {
		query     string
		want      []string
		wantTotal int // -1: no totalElements
	}{
		{"", []string{"aaa-2", "aaa-1", "abc-5"}, -1},
		{"meetingID=m1", []string{"aaa-2", "aaa-1"}, -1},
		{"meetingID=m1,m2", []string{"aaa-2", "aaa-1", "abc-5"}, -1},
		{"meetingID=M1", nil, -1},
		{"recordID=aa", []string{"aaa-2", "aaa-1"}, -1},
		{"recordID=a", []string{"aaa-2", "aaa-1", "abc-5"}, -1},
		{"recordID=AAA", nil, -1},
		{"recordID=aaa-1,abc-5", []string{"aaa-1", "abc-5"}, -1},
		{"meetingID=m1&recordID=aaa-1", []string{"aaa-1"}, -1},
		{"state=processing", []string{"bbb-3"}, -1},
		{"state=deleted", []string{"bbb-4"}, -1},
		{"state=published", []string{"aaa-1", "abc-5"}, -1},
		{"state=unpublished,processing", []string{"bbb-3", "aaa-2"}, -1},
		{"state=any", []string{"bbb-4", "bbb-3", "aaa-2", "aaa-1", "abc-5"}, -1},
		{"state=published,any", []string{"bbb-4", "bbb-3", "aaa-2", "aaa-1", "abc-5"}, -1},
		{"meta_origin=greenlight", []string{"aaa-1"}, -1},
		{"meta_Origin=moodle", []string{"aaa-2"}, -1},
		{"meta_origin=greenlight%25", []string{"aaa-1", "abc-5"}, -1},
		{"meta_origin=%25x", []string{"abc-5"}, -1},
		{"meta_origin=%25light%25", []string{"aaa-1", "abc-5"}, -1},
		{"meta_course=math-101", []string{"aaa-1", "abc-5"}, -1},
		{"meta_course=math-101&meta_origin=greenlight", []string{"aaa-1"}, -1},
		{"meta_course=math-101&meta_origin=moodle", nil, -1},
		{"meta_missing=x", nil, -1},
		{"limit=2", []string{"aaa-2", "aaa-1"}, 3},
		{"limit=2&offset=2", []string{"abc-5"}, 3},
		{"limit=2&offset=9", nil, 3},
		{"limit=0", []string{"aaa-2"}, 3},
		{"limit=1000&offset=-1", []string{"aaa-2", "aaa-1", "abc-5"}, 3},
		{"limit=1&offset=1&meetingID=m1", []string{"aaa-1"}, 2},
		{"limit=many&offset=1", []string{"aaa-2", "aaa-1", "abc-5"}, -1},
		{"offset=1", []string{"aaa-2", "aaa-1", "abc-5"}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			d := e.getRecordings("", tt.query)
			if got := recordIDs(d); !slices.Equal(got, tt.want) {
				t.Errorf("recordings %v, want %v", got, tt.want)
			}
			switch {
			case tt.wantTotal < 0 && d.TotalElements != nil:
				t.Errorf("totalElements %d without pagination", *d.TotalElements)
			case tt.wantTotal >= 0 && (d.TotalElements == nil || *d.TotalElements != tt.wantTotal):
				t.Errorf("totalElements %v, want %d", d.TotalElements, tt.wantTotal)
			}
			empty := len(tt.want) == 0
			if empty != (d.MessageKey == bbb.KeyNoRecordings) {
				t.Errorf("messageKey %q with %d recordings", d.MessageKey, len(tt.want))
			}
		})
	}
}

func TestGetRecordingsDocument(t *testing.T) {
	e := newRecEnv(t, nil)
	e.addQuerySet()
	d := e.getRecordings("lb.example.com", "recordID=aaa-1")
	if len(d.Recordings.Recordings) != 1 {
		t.Fatalf("recordings %v", recordIDs(d))
	}
	r := d.Recordings.Recordings[0]
	if r.MeetingID != "m1" || r.InternalMeetingID != "aaa-1" || !r.Published || r.State != "published" ||
		r.StartTime != t0.Add(time.Hour).UnixMilli() || r.Protected != nil {
		t.Errorf("recording %+v", r)
	}
	if v, _ := r.Metadata.Get("course"); v != "math-101" {
		t.Errorf("metadata %+v", r.Metadata)
	}
	if len(r.Playback.Formats) != 2 {
		t.Fatalf("formats %+v", r.Playback.Formats)
	}
	p := r.Playback.Formats[1]
	if p.Type != "presentation" || p.URL != "http://lb.example.com/playback/presentation/2.3/aaa-1" || p.Length != 2 {
		t.Errorf("presentation %+v", p)
	}
	if p.Preview == nil || len(p.Preview.Images) != 1 ||
		p.Preview.Images[0] != (bbb.Image{Alt: "Welcome", Width: 176, Height: 136, URL: "http://lb.example.com/presentation/aaa-1/thumb-1.png"}) {
		t.Errorf("preview %+v", p.Preview)
	}

	// The empty answer is Scalelite's.
	rec := e.call("", "getRecordings", "meetingID=none")
	want := `<response><returncode>SUCCESS</returncode><recordings></recordings><messageKey>noRecordings</messageKey>` +
		`<message>There are not recordings for the meetings</message></response>`
	if rec.Body.String() != want {
		t.Errorf("empty answer %s", rec.Body)
	}
}

func TestGetRecordingsScheme(t *testing.T) {
	e := newRecEnv(t, nil)
	e.addQuerySet()
	query := sign("getRecordings", "recordID=abc-5", lbSecret)
	tests := []struct {
		name      string
		tls       bool
		forwarded string
		trusted   bool
		want      string
	}{
		{"plain", false, "", false, "http://lb:8080/"},
		{"tls", true, "", false, "https://lb:8080/"},
		{"untrusted X-Forwarded-Proto", false, "https", false, "http://lb:8080/"},
		{"trusted proxy", false, "https", true, "https://lb:8080/"},
		{"trusted proxy, plain", false, "http", true, "http://lb:8080/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, apiPrefix+"/getRecordings?"+query, nil)
			req.Host = "lb:8080"
			if tt.tls {
				req.TLS = &tls.ConnectionState{}
			}
			if tt.forwarded != "" {
				req.Header.Set("X-Forwarded-Proto", tt.forwarded)
			}
			// What Caddy's server puts in every request's context.
			req = req.WithContext(context.WithValue(req.Context(), caddyhttp.VarsCtxKey,
				map[string]any{caddyhttp.TrustedProxyVarKey: tt.trusted}))
			rec := httptest.NewRecorder()
			if err := e.h.ServeHTTP(rec, req, e.next); err != nil {
				t.Fatal(err)
			}
			var d bbb.RecordingsResponse
			if err := xml.Unmarshal(rec.Body.Bytes(), &d); err != nil || len(d.Recordings.Recordings) != 1 {
				t.Fatalf("%v: %s", err, rec.Body)
			}
			if u := d.Recordings.Recordings[0].Playback.Formats[0].URL; !strings.HasPrefix(u, tt.want) {
				t.Errorf("URL %s, want prefix %s", u, tt.want)
			}
		})
	}
}

func TestGetRecordingsFiltered(t *testing.T) {
	e := newRecEnv(t, func(s *module.Settings) { s.Recordings.Filtered = true })
	e.addQuerySet()
	for _, q := range []string{"", "meetingID=", "recordID=&meetingID=", "meta_origin=moodle", "state=any"} {
		wantError(t, e.call("", "getRecordings", q), bbb.KeyMissingParameters, "param meetingID or recordID must be included.")
	}
	if got := recordIDs(e.getRecordings("", "meetingID=m2")); !slices.Equal(got, []string{"abc-5"}) {
		t.Errorf("meetingID=m2: %v", got)
	}
	if got := recordIDs(e.getRecordings("", "recordID=aaa-2")); !slices.Equal(got, []string{"aaa-2"}) {
		t.Errorf("recordID=aaa-2: %v", got)
	}
}

func TestGetRecordingsTenants(t *testing.T) {
	e := newRecEnv(t, multitenant)
	e.addTenants()
	for _, r := range []store.Recording{
		{RecordID: "a-1", MeetingID: "room", Published: true, StartTime: t0, Metadata: map[string]string{"tenant-id": "t-alpha", "origin": "gl"}, Formats: []store.PlaybackFormat{format("presentation")}},
		{RecordID: "a-2", MeetingID: "room", Published: false, StartTime: t0, Metadata: map[string]string{"tenant-id": "t-alpha"}},
		{RecordID: "b-1", MeetingID: "room", Published: true, StartTime: t0, Metadata: map[string]string{"tenant-id": "t-beta", "origin": "gl"}},
		{RecordID: "n-1", MeetingID: "room", Published: true, StartTime: t0},
	} {
		e.addRecording(r)
	}
	tests := []struct {
		host, query string
		want        []string
	}{
		{alphaHost, "", []string{"a-1", "a-2"}},
		{betaHost, "", []string{"b-1"}},
		{alphaHost, "meetingID=room", []string{"a-1", "a-2"}},
		{betaHost, "recordID=a-1,b-1", []string{"b-1"}},
		{betaHost, "meta_origin=gl", []string{"b-1"}},
		{alphaHost, "meta_tenant-id=t-beta", nil},
		{alphaHost, "limit=1", []string{"a-1"}},
	}
	for _, tt := range tests {
		d := e.getRecordings(tt.host, tt.query)
		if got := recordIDs(d); !slices.Equal(got, tt.want) {
			t.Errorf("%s ?%s: %v, want %v", tt.host, tt.query, got, tt.want)
		}
		if tt.query == "limit=1" && (d.TotalElements == nil || *d.TotalElements != 2) {
			t.Errorf("alpha total %v, want 2", d.TotalElements)
		}
	}
	// Every metadata key is returned, tenant-id included.
	r := e.getRecordings(alphaHost, "recordID=a-1").Recordings.Recordings[0]
	if v, _ := r.Metadata.Get("tenant-id"); v != "t-alpha" {
		t.Errorf("metadata %+v", r.Metadata)
	}
	// An unknown tenant, or the apex, fails the checksum.
	for _, host := range []string{"gamma.bbb.example.com", "bbb.example.com"} {
		rec := e.do(request{call: "getRecordings", query: sign("getRecordings", "", "secret-of-alpha"), host: host})
		wantError(t, rec, bbb.KeyChecksumError, "")
	}
	// Alpha's secret does not work on beta's host.
	wantError(t, e.do(request{call: "getRecordings", query: sign("getRecordings", "", "secret-of-alpha"), host: betaHost}), bbb.KeyChecksumError, "")
}

func TestRecordingCallsChecksum(t *testing.T) {
	e := newRecEnv(t, nil)
	e.addQuerySet()
	for _, call := range []string{"getRecordings", "publishRecordings", "updateRecordings", "deleteRecordings"} {
		query := "recordID=aaa-1&publish=false"
		tests := map[string]string{
			"none":        query,
			"wrong":       query + "&checksum=" + strings.Repeat("0", 64),
			"other call":  sign("getMeetings", query, lbSecret),
			"other query": strings.Replace(sign(call, query, lbSecret), "aaa-1", "aaa-2", 1),
		}
		for name, q := range tests {
			t.Run(call+"/"+name, func(t *testing.T) {
				wantError(t, e.do(request{call: call, query: q}), bbb.KeyChecksumError, "You did not pass the checksum security check")
			})
		}
	}
	// Nothing changed.
	if r := e.recording("aaa-1"); !r.Published || r.State != "published" || !exists(t, e.publishDir, "presentation/aaa-1/metadata.xml") {
		t.Errorf("aaa-1 changed by unsigned calls: %+v", r)
	}
}

func TestRecordingCallsDisabled(t *testing.T) {
	e := newRecEnv(t, func(s *module.Settings) { s.Recordings.Disabled = true })
	e.addQuerySet()
	tests := []struct {
		call string
		want string
	}{
		{"getRecordings", `<response><returncode>SUCCESS</returncode><recordings></recordings><messageKey>noRecordings</messageKey><message>There are not recordings for the meetings</message></response>`},
		{"publishRecordings", `<response><returncode>FAILED</returncode><messageKey>notFound</messageKey><message>We could not find recordings</message></response>`},
		{"updateRecordings", `<response><returncode>FAILED</returncode><messageKey>notFound</messageKey><message>We could not find recordings</message></response>`},
		{"deleteRecordings", `<response><returncode>FAILED</returncode><messageKey>notFound</messageKey><message>We could not find recordings</message></response>`},
	}
	for _, tt := range tests {
		// No checksum needed, and a valid one changes nothing.
		for _, q := range []string{"", "recordID=aaa-1&publish=false", sign(tt.call, "recordID=aaa-1&publish=false", lbSecret)} {
			if rec := e.do(request{call: tt.call, query: q}); rec.Body.String() != tt.want {
				t.Errorf("%s?%s: %s", tt.call, q, rec.Body)
			}
		}
	}
	if r := e.recording("aaa-1"); !r.Published || !exists(t, e.publishDir, "presentation/aaa-1/metadata.xml") {
		t.Errorf("aaa-1 changed while recordings are disabled: %+v", r)
	}
	// The playback paths are not the handler's then.
	for _, target := range []string{"/presentation/aaa-1/metadata.xml", "/recording/aaa-1/presentation"} {
		rec := e.fetch("", target)
		if rec.Header().Get(servedByNext) != "yes" {
			t.Errorf("%s not passed on: %d %s", target, rec.Code, rec.Body)
		}
	}
}

func TestRecordingCallMethods(t *testing.T) {
	e := newRecEnv(t, nil)
	e.addQuerySet()
	tests := []struct {
		method, call string
		supported    bool
	}{
		{http.MethodPost, "getRecordings", true},
		{http.MethodPost, "updateRecordings", true},
		{http.MethodPost, "publishRecordings", false},
		{http.MethodPost, "deleteRecordings", false},
		{http.MethodPut, "getRecordings", false},
	}
	for _, tt := range tests {
		q := sign(tt.call, "recordID=aaa-1&publish=true", lbSecret)
		d := parse(t, e.do(request{method: tt.method, call: tt.call, query: q}))
		if (d.MessageKey != bbb.KeyUnsupportedRequest) != tt.supported {
			t.Errorf("%s %s: %+v", tt.method, tt.call, d)
		}
	}
	// Parameters in a form body, the checksum over the (empty) query.
	body := url.Values{"recordID": {"aaa-1"}, "meta_note": {"from a form"}, "checksum": {bbb.Checksum(bbb.SHA256, "updateRecordings", "", lbSecret)}}
	rec := e.do(request{method: http.MethodPost, call: "updateRecordings", body: body.Encode(), contentType: "application/x-www-form-urlencoded"})
	if !strings.Contains(rec.Body.String(), "<updated>true</updated>") || e.recording("aaa-1").Metadata["note"] != "from a form" {
		t.Errorf("form POST: %s", rec.Body)
	}
}

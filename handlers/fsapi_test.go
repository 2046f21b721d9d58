package handlers

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/store"
)

const fsapiPassword = "fs-password-0123"

// fsCall is one request of FreeSWITCH's mod_xml_curl.
type fsCall struct {
	method string // POST when empty
	form   url.Values
	// user and password are sent as HTTP Basic credentials unless noAuth.
	user, password string
	noAuth         bool
	host           string
}

// dialIn is what FreeSWITCH sends for a call to the dial-in number, with the
// pin when not empty.
func dialIn(pin string, extra ...string) url.Values {
	form := url.Values{
		"section":                   {"dialplan"},
		"Caller-Destination-Number": {"6135550100"},
		"Caller-Caller-ID-Name":     {"Alice"},
		"Hunt-Context":              {"public"},
	}
	if pin != "" {
		form.Set("variable_pin", pin)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	return form
}

func (e *env) fsapi(c fsCall) *httptest.ResponseRecorder {
	e.t.Helper()
	if c.method == "" {
		c.method = http.MethodPost
	}
	if c.user == "" && !c.noAuth {
		c.user, c.password = "fsapi", fsapiPassword
	}
	req := httptest.NewRequest(c.method, "/fsapi", strings.NewReader(c.form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if !c.noAuth {
		req.SetBasicAuth(c.user, c.password)
	}
	if c.host != "" {
		req.Host = c.host
	}
	rec := httptest.NewRecorder()
	if err := e.h.ServeHTTP(rec, req, nextHandler); err != nil {
		e.t.Fatalf("ServeHTTP: %v", err)
	}
	return rec
}

// newFSEnv is a handler whose fsapi password is fsapiPassword, with change
// applied to its settings.
func newFSEnv(t *testing.T, change func(*module.Settings)) *env {
	return newEnv(t, func(s *module.Settings) {
		s.FSAPI = module.FSAPISettings{Password: fsapiPassword}
		if change != nil {
			change(s)
		}
	})
}

// fsDoc is a dialplan document as FreeSWITCH reads it.
type fsDoc struct {
	Type    string `xml:"type,attr"`
	Section struct {
		Name   string `xml:"name,attr"`
		Result struct {
			Status string `xml:"status,attr"`
		} `xml:"result"`
		Context struct {
			Name      string `xml:"name,attr"`
			Extension struct {
				Name      string `xml:"name,attr"`
				Condition struct {
					Field      string `xml:"field,attr"`
					Expression string `xml:"expression,attr"`
					Actions    []struct {
						Application string `xml:"application,attr"`
						Data        string `xml:"data,attr"`
					} `xml:"action"`
				} `xml:"condition"`
			} `xml:"extension"`
		} `xml:"context"`
	} `xml:"section"`
}

// actions lists the document's actions as "application data".
func (d fsDoc) actions() []string {
	var out []string
	for _, a := range d.Section.Context.Extension.Condition.Actions {
		out = append(out, strings.TrimSpace(a.Application+" "+a.Data))
	}
	return out
}

func parseFS(t *testing.T, rec *httptest.ResponseRecorder) fsDoc {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Errorf("Content-Type %q, want text/xml", ct)
	}
	var d fsDoc
	if err := xml.Unmarshal(rec.Body.Bytes(), &d); err != nil {
		t.Fatalf("answer is not XML: %v: %s", err, rec.Body)
	}
	if d.Type != "freeswitch/xml" {
		t.Fatalf("document type %q, want freeswitch/xml: %s", d.Type, rec.Body)
	}
	return d
}

func wantReject(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	d := parseFS(t, rec)
	if d.Section.Name != "result" || d.Section.Result.Status != "not found" {
		t.Fatalf("answer %s, want the reject document", rec.Body)
	}
}

// wantDialplan asserts a dialplan document of extension whose condition
// matches destination, with these actions.
func wantDialplan(t *testing.T, rec *httptest.ResponseRecorder, extension, expression string, actions []string) {
	t.Helper()
	d := parseFS(t, rec)
	ext := d.Section.Context.Extension
	if d.Section.Name != "dialplan" || d.Section.Context.Name != "public" || ext.Name != extension {
		t.Fatalf("answer %s, want extension %s in dialplan/public", rec.Body, extension)
	}
	if ext.Condition.Field != "destination_number" || ext.Condition.Expression != expression {
		t.Errorf("condition %s =~ %q, want destination_number =~ %q", ext.Condition.Field, ext.Condition.Expression, expression)
	}
	got := d.actions()
	if strings.Join(got, "\n") != strings.Join(actions, "\n") {
		t.Errorf("actions\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(actions, "\n"))
	}
}

func TestFSAPIAuth(t *testing.T) {
	tests := []struct {
		name       string
		settings   module.FSAPISettings
		call       fsCall
		wantStatus int
		wantRealm  string
	}{
		{name: "right credentials", settings: module.FSAPISettings{Password: fsapiPassword},
			call: fsCall{}, wantStatus: http.StatusOK},
		{name: "no credentials", settings: module.FSAPISettings{Password: fsapiPassword},
			call: fsCall{noAuth: true, host: "lb.example.com"}, wantStatus: http.StatusUnauthorized, wantRealm: "lb.example.com"},
		{name: "wrong password", settings: module.FSAPISettings{Password: fsapiPassword},
			call: fsCall{user: "fsapi", password: "guess", host: "lb.example.com:8443"}, wantStatus: http.StatusUnauthorized, wantRealm: "lb.example.com"},
		{name: "password as a prefix", settings: module.FSAPISettings{Password: fsapiPassword},
			call: fsCall{user: "fsapi", password: fsapiPassword[:5]}, wantStatus: http.StatusUnauthorized, wantRealm: "example.com"},
		{name: "wrong user", settings: module.FSAPISettings{Password: fsapiPassword},
			call: fsCall{user: "admin", password: fsapiPassword, host: "[2001:db8::1]:443"}, wantStatus: http.StatusUnauthorized, wantRealm: "2001:db8::1"},
		{name: "no host: fixed realm", settings: module.FSAPISettings{Password: fsapiPassword},
			call: fsCall{noAuth: true, host: ":8443"}, wantStatus: http.StatusUnauthorized, wantRealm: "fsapi"},
		{name: "auth disabled", settings: module.FSAPISettings{AuthDisabled: true},
			call: fsCall{noAuth: true}, wantStatus: http.StatusOK},
		{name: "auth disabled ignores credentials", settings: module.FSAPISettings{AuthDisabled: true},
			call: fsCall{user: "someone", password: "anything"}, wantStatus: http.StatusOK},
		{name: "no password: refused without credentials", settings: module.FSAPISettings{},
			call: fsCall{noAuth: true, host: "lb.example.com"}, wantStatus: http.StatusUnauthorized, wantRealm: "lb.example.com"},
		{name: "no password: refused with an empty password", settings: module.FSAPISettings{},
			call: fsCall{user: "fsapi", password: ""}, wantStatus: http.StatusUnauthorized, wantRealm: "example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(s *module.Settings) { s.FSAPI = tt.settings })
			tt.call.form = dialIn("")
			rec := e.fsapi(tt.call)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantStatus == http.StatusOK {
				parseFS(t, rec)
				return
			}
			if got, want := rec.Header().Get("WWW-Authenticate"), `Basic realm="`+tt.wantRealm+`"`; got != want {
				t.Errorf("WWW-Authenticate %q, want %q", got, want)
			}
			if strings.Contains(rec.Body.String(), "document") {
				t.Errorf("a refused request got a dialplan: %s", rec.Body)
			}
		})
	}
}

func TestFSAPIMethod(t *testing.T) {
	e := newFSEnv(t, nil)
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		rec := e.fsapi(fsCall{method: method, form: dialIn("")})
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != http.MethodPost {
			t.Errorf("%s: status %d, Allow %q; want 405, POST", method, rec.Code, rec.Header().Get("Allow"))
		}
	}
}

func TestFSAPIBodyTooLarge(t *testing.T) {
	e := newFSEnv(t, nil)
	form := dialIn("")
	form.Set("padding", strings.Repeat("x", maxFormBody))
	if rec := e.fsapi(fsCall{form: form}); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", rec.Code)
	}
}

func TestFSAPIReject(t *testing.T) {
	tests := []struct {
		name string
		form url.Values
	}{
		{"directory section", dialIn("", "section", "directory")},
		{"configuration section", dialIn("123456789", "section", "configuration")},
		{"no section", func() url.Values { f := dialIn(""); f.Del("section"); return f }()},
		{"no destination", func() url.Values { f := dialIn(""); f.Del("Caller-Destination-Number"); return f }()},
		{"blank destination", dialIn("", "Caller-Destination-Number", "  ")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFSEnv(t, nil)
			wantReject(t, e.fsapi(fsCall{form: tt.form}))
		})
	}
}

// Expected actions of the prompt documents, for 5 to 9 digits.
var (
	promptActions = []string{
		"answer",
		"sleep 500",
		"playback ivr/ivr-welcome.wav",
		"sleep 200",
		`play_and_get_digits 5 9 3 7000 # conference/conf-enter_conf_pin.wav conference/conf-bad-pin.wav pin \d+`,
		"transfer ${pin} XML public",
	}
	repromptActions = []string{
		"answer",
		"playback conference/conf-bad-pin.wav",
		"sleep 500",
		`play_and_get_digits 5 9 3 7000 # conference/conf-enter_conf_pin.wav conference/conf-bad-pin.wav pin \d+`,
		"transfer ${pin} XML public",
	}
)

func TestFSAPIPrompt(t *testing.T) {
	limited := append([]string{"answer", "sched_hangup +5400 normal_clearing"}, promptActions[1:]...)
	tests := []struct {
		name        string
		maxDuration int
		bridgeLen   int
		form        url.Values
		expression  string
		actions     []string
	}{
		{name: "no pin", bridgeLen: 9, form: dialIn(""), expression: "^6135550100$", actions: promptActions},
		{name: "blank pin", bridgeLen: 9, form: dialIn(" "), expression: "^6135550100$", actions: promptActions},
		{name: "max duration 90", maxDuration: 90, bridgeLen: 9, form: dialIn(""), expression: "^6135550100$", actions: limited},
		{name: "E.164 number", bridgeLen: 9, form: dialIn("", "Caller-Destination-Number", "+16135550100"),
			expression: `^\\+16135550100$`, actions: promptActions},
		{name: "voice bridge length 7", bridgeLen: 7, form: dialIn(""), expression: "^6135550100$",
			actions: append(append(promptActions[:4:4],
				`play_and_get_digits 5 7 3 7000 # conference/conf-enter_conf_pin.wav conference/conf-bad-pin.wav pin \d+`), promptActions[5:]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFSEnv(t, func(s *module.Settings) {
				s.FSAPI.MaxDuration = tt.maxDuration
				s.VoiceBridgeLength = tt.bridgeLen
			})
			wantDialplan(t, e.fsapi(fsCall{form: tt.form}), "match_did_and_prompt_for_pin", tt.expression, tt.actions)
		})
	}
}

// bindMeeting binds a meeting with one voice bridge on server.
func (e *env) bindMeeting(tenant, id, serverID, bridge string) {
	e.t.Helper()
	_, created, err := e.live.BindMeeting(ctx(e.t), store.Meeting{
		Tenant: tenant, ID: id, ServerID: serverID, CreatedAt: time.Now(),
	}, []string{bridge})
	if err != nil || !created {
		e.t.Fatalf("bind %s: created %v, err %v", id, created, err)
	}
}

// addServerRecord adds a server the fsapi only needs the record of.
func (e *env) addServerRecord(id, apiURL string) {
	e.t.Helper()
	s := store.Server{ID: id, URL: apiURL, Secret: "s", State: store.StateEnabled, Online: true, LoadMultiplier: 1}
	if err := e.live.AddServer(ctx(e.t), s); err != nil {
		e.t.Fatal(err)
	}
}

func TestFSAPIPin(t *testing.T) {
	tests := []struct {
		name        string
		maxDuration int
		form        url.Values
		extension   string // "" for the reprompt
		expression  string
		actions     []string
	}{
		{
			name: "known pin bridges", form: dialIn("123456789", "Caller-Destination-Number", "123456789"),
			extension: "bridge_to_bbb_server", expression: "^123456789$",
			actions: []string{
				"set meeting_id=room-1",
				"set effective_caller_id_name=Alice",
				"bridge sofia/external/123456789@bbb1.example.com",
			},
		},
		{
			name: "breakout pin bridges with the pin as dialed", form: dialIn("1234567893"),
			extension: "bridge_to_bbb_server", expression: "^6135550100$",
			actions: []string{
				"set meeting_id=room-1",
				"set effective_caller_id_name=Alice",
				"bridge sofia/external/1234567893@bbb1.example.com",
			},
		},
		{
			name: "pin of a meeting on an IPv6 server", form: dialIn("55555"),
			extension: "bridge_to_bbb_server", expression: "^6135550100$",
			actions: []string{
				"set meeting_id=five",
				"set effective_caller_id_name=Alice",
				"bridge sofia/external/55555@[2001:db8::7]",
			},
		},
		{
			name: "max duration 90", maxDuration: 90, form: dialIn("123456789"),
			extension: "bridge_to_bbb_server", expression: "^6135550100$",
			actions: []string{
				"sched_hangup +5400 normal_clearing",
				"set meeting_id=room-1",
				"set effective_caller_id_name=Alice",
				"bridge sofia/external/123456789@bbb1.example.com",
			},
		},
		{
			name: "caller id that tries variable expansion", form: dialIn("123456789", "Caller-Caller-ID-Name", "${system(rm -rf /)}"),
			extension: "bridge_to_bbb_server", expression: "^6135550100$",
			actions: []string{
				"set meeting_id=room-1",
				`set effective_caller_id_name=\${system(rm -rf /)}`,
				"bridge sofia/external/123456789@bbb1.example.com",
			},
		},
		{
			name: "phone number masked", form: dialIn("123456789", "Caller-Caller-ID-Name", "6135554321"),
			extension: "bridge_to_bbb_server", expression: "^6135550100$",
			actions: []string{
				"set meeting_id=room-1",
				"set effective_caller_id_name=613555XXXX",
				"bridge sofia/external/123456789@bbb1.example.com",
			},
		},
		{
			name: "hidden number", form: dialIn("123456789", "Caller-Caller-ID-Name", "6135554321", "Caller-Privacy-Hide-Number", "true"),
			extension: "bridge_to_bbb_server", expression: "^6135550100$",
			actions: []string{
				"set meeting_id=room-1",
				"set effective_caller_id_name=Unavailable",
				"bridge sofia/external/123456789@bbb1.example.com",
			},
		},
		{
			name: "hidden name", form: dialIn("123456789", "Caller-Privacy-Hide-Name", "true"),
			extension: "bridge_to_bbb_server", expression: "^6135550100$",
			actions: []string{
				"set meeting_id=room-1",
				"set effective_caller_id_name=Unavailable",
				"bridge sofia/external/123456789@bbb1.example.com",
			},
		},
		{
			name: "tenant meeting", form: dialIn("987654321", "Caller-Caller-ID-Name", ""),
			extension: "bridge_to_bbb_server", expression: "^6135550100$",
			actions: []string{
				"set meeting_id=room-1",
				"set effective_caller_id_name=Unavailable",
				"bridge sofia/external/987654321@bbb2.example.com",
			},
		},
		{name: "unknown pin", form: dialIn("111111111"), expression: "^6135550100$", actions: repromptActions},
		{name: "unknown breakout pin", form: dialIn("1111111113"), expression: "^6135550100$", actions: repromptActions},
		// A 5-digit pin is a meeting's whole pin: no breakout fallback.
		{name: "five digits do not fall back", form: dialIn("44445"), expression: "^6135550100$", actions: repromptActions},
		{name: "pin with a non-digit", form: dialIn("12345678x"), expression: "^6135550100$", actions: repromptActions},
		{name: "pin of a meeting whose server is gone", form: dialIn("222222222"), expression: "^6135550100$", actions: repromptActions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFSEnv(t, func(s *module.Settings) { s.FSAPI.MaxDuration = tt.maxDuration })
			e.addServerRecord("bbb1", "https://bbb1.example.com:8443/bigbluebutton/api")
			e.addServerRecord("bbb2", "https://bbb2.example.com/bigbluebutton/api/")
			e.addServerRecord("bbb6", "https://[2001:db8::7]/bigbluebutton/api")
			e.bindMeeting("", "room-1", "bbb1", "123456789")
			e.bindMeeting("tenant-b", "room-1", "bbb2", "987654321")
			e.bindMeeting("", "five", "bbb6", "55555")
			e.bindMeeting("", "short", "bbb1", "4444")
			e.bindMeeting("", "orphan", "gone", "222222222")
			extension := tt.extension
			if extension == "" {
				extension = "reprompt_for_pin"
			}
			wantDialplan(t, e.fsapi(fsCall{form: tt.form}), extension, tt.expression, tt.actions)
		})
	}
}

// observe replaces the handler's logger with one that records entries.
func (e *env) observe() *observer.ObservedLogs {
	core, logs := observer.New(zapcore.InfoLevel)
	e.h.logger = zap.New(core)
	return logs
}

func TestFSAPIStoreFailure(t *testing.T) {
	tests := []struct {
		name string
		form url.Values
	}{
		{"pin lookup", dialIn("123456789")},
		{"breakout pin lookup", dialIn("1234567891")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFSEnv(t, nil)
			e.addServerRecord("bbb1", "https://bbb1.example.com/bigbluebutton/api")
			e.bindMeeting("", "room-1", "bbb1", "123456789")
			logs := e.observe()
			if err := e.live.Close(); err != nil {
				t.Fatal(err)
			}
			wantReject(t, e.fsapi(fsCall{form: tt.form}))
			if n := logs.FilterLevelExact(zapcore.ErrorLevel).FilterMessage("fsapi: dial-in rejected").Len(); n != 1 {
				t.Errorf("%d error logs, want 1: %v", n, logs.All())
			}
		})
	}
}

func TestFSAPIBadServerURL(t *testing.T) {
	e := newFSEnv(t, nil)
	e.addServerRecord("bbb1", "/bigbluebutton/api")
	e.bindMeeting("", "room-1", "bbb1", "123456789")
	logs := e.observe()
	wantReject(t, e.fsapi(fsCall{form: dialIn("123456789")}))
	if n := logs.FilterLevelExact(zapcore.ErrorLevel).Len(); n != 1 {
		t.Errorf("%d error logs, want 1: %v", n, logs.All())
	}
}

func TestFSAPINoLiveStore(t *testing.T) {
	for _, pin := range []string{"", "123456789"} {
		e := newFSEnv(t, nil)
		e.h.live = nil
		logs := e.observe()
		wantReject(t, e.fsapi(fsCall{form: dialIn(pin)}))
		if n := logs.FilterLevelExact(zapcore.ErrorLevel).Len(); n != 1 {
			t.Errorf("pin %q: %d error logs, want 1", pin, n)
		}
	}
}

// TestFSAPICall walks one call through: prompt, a wrong pin, the right one.
func TestFSAPICall(t *testing.T) {
	e := newFSEnv(t, func(s *module.Settings) { s.FSAPI.MaxDuration = 90 })
	e.addServerRecord("bbb1", "https://bbb1.example.com/bigbluebutton/api")
	e.bindMeeting("", "room-1", "bbb1", "123456789")

	first := parseFS(t, e.fsapi(fsCall{form: dialIn("")}))
	if ext := first.Section.Context.Extension.Name; ext != "match_did_and_prompt_for_pin" {
		t.Fatalf("first answer %s, want the prompt", ext)
	}
	// The transfer makes the pin the destination of the next request.
	second := parseFS(t, e.fsapi(fsCall{form: dialIn("987654321", "Caller-Destination-Number", "987654321")}))
	if ext := second.Section.Context.Extension.Name; ext != "reprompt_for_pin" {
		t.Fatalf("second answer %s, want the reprompt", ext)
	}
	third := parseFS(t, e.fsapi(fsCall{form: dialIn("123456789", "Caller-Destination-Number", "123456789")}))
	got := third.actions()
	if len(got) == 0 || got[len(got)-1] != "bridge sofia/external/123456789@bbb1.example.com" {
		t.Fatalf("third answer %v, want the bridge", got)
	}
}

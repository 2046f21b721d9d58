package bbbsim

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

func TestIndex(t *testing.T) {
	s := startSim(t, Options{Version: "3.0.9"})
	for _, path := range []string{"", "/", "/?checksum=" + bbb.Checksum(bbb.SHA1, "", "", testSecret)} {
		root := parseXML(t, do(t, http.MethodGet, s.URL()+path, "", nil))
		wantNames(t, root, "returncode", "version", "apiVersion", "bbbVersion", "graphqlWebsocketUrl", "graphqlApiUrl")
		for name, want := range map[string]string{
			"returncode":          "SUCCESS",
			"version":             "2.0",
			"apiVersion":          "2.0",
			"bbbVersion":          "3.0.9",
			"graphqlWebsocketUrl": "ws://" + s.Addr() + "/graphql",
			"graphqlApiUrl":       "http://" + s.Addr() + "/api/rest",
		} {
			if got := root.text(name); got != want {
				t.Errorf("%q: <%s> %q, want %q", path, name, got, want)
			}
		}
	}
	if r := do(t, http.MethodPost, s.URL(), "", nil); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST index: status %d, want 405", r.status)
	}
}

func TestUnknownPaths(t *testing.T) {
	s := startSim(t, Options{})
	base := strings.TrimSuffix(s.URL(), APIPath)
	for _, target := range []string{
		sign(s, "getRecordings", "", bbb.SHA256),
		sign(s, "hooks/create", "callbackURL=x", bbb.SHA256),
		sign(s, "nosuchcall", "", bbb.SHA256),
		base + "/",
		base + "/bigbluebutton/apix",
	} {
		if r := do(t, http.MethodGet, target, "", nil); r.status != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", target, r.status)
		}
	}
}

func TestMethods(t *testing.T) {
	s := startSim(t, Options{})
	tests := []struct {
		call   string
		method string
		want   int
	}{
		{"join", http.MethodPost, http.StatusMethodNotAllowed},
		{"insertDocument", http.MethodGet, http.StatusMethodNotAllowed},
		{"sendChatMessage", http.MethodPost, http.StatusMethodNotAllowed},
		{"create", http.MethodPut, http.StatusMethodNotAllowed},
		{"getMeetings", http.MethodDelete, http.StatusMethodNotAllowed},
		{"getMeetings", http.MethodPost, http.StatusOK},
		{"isMeetingRunning", http.MethodPost, http.StatusOK},
		{"end", http.MethodPost, http.StatusOK},
		{"getMeetingInfo", http.MethodPost, http.StatusOK},
	}
	for _, tc := range tests {
		r := do(t, tc.method, sign(s, tc.call, "meetingID=m1", bbb.SHA256), "", nil)
		if r.status != tc.want {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.call, r.status, tc.want)
		}
		if tc.want == http.StatusMethodNotAllowed && r.header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", tc.method, tc.call)
		}
	}
}

func multipartBody(t *testing.T, fields map[string]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf.Bytes()
}

func TestContentTypes(t *testing.T) {
	s := startSim(t, Options{})
	createMeeting(t, s, "ct-room", nil)
	mpType, mpBody := multipartBody(t, map[string]string{"meetingID": "ct-multi", "name": "Multipart"})
	xmlBody := []byte(`<modules><module name="presentation"><document url="https://x/a.pdf"/></module></modules>`)
	tests := []struct {
		name        string
		call, query string
		contentType string
		body        []byte
		wantOK      bool
	}{
		{"create form", "create", "", "application/x-www-form-urlencoded", []byte("meetingID=ct-form&name=Form"), true},
		{"create multipart", "create", "", mpType, mpBody, true},
		{"create application/xml", "create", "meetingID=ct-xml&name=Xml", "application/xml", xmlBody, true},
		{"create text/xml with charset", "create", "meetingID=ct-txml&name=Xml", "text/xml; charset=utf-8", xmlBody, true},
		{"create json", "create", "meetingID=ct-json&name=Json", "application/json", []byte("{}"), false},
		{"create body without type", "create", "meetingID=ct-none&name=None", "", []byte("x=1"), false},
		{"create no body no type", "create", "meetingID=ct-empty&name=Empty", "", nil, true},
		{"getMeetingInfo form", "getMeetingInfo", "meetingID=ct-room", "application/x-www-form-urlencoded", []byte("a=b"), true},
		{"getMeetingInfo xml", "getMeetingInfo", "meetingID=ct-room", "application/xml", xmlBody, false},
		{"isMeetingRunning text/plain", "isMeetingRunning", "meetingID=ct-room", "text/plain", []byte("hello"), false},
		{"insertDocument application/xml", "insertDocument", "meetingID=ct-room", "application/xml", xmlBody, true},
		{"insertDocument text/xml", "insertDocument", "meetingID=ct-room", "text/xml", xmlBody, false},
		{"insertDocument form", "insertDocument", "meetingID=ct-room", "application/x-www-form-urlencoded", []byte("a=b"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := parseXML(t, do(t, http.MethodPost, sign(s, tc.call, tc.query, bbb.SHA256), tc.contentType, tc.body))
			if tc.wantOK {
				if rc := root.text("returncode"); rc != "SUCCESS" {
					t.Fatalf("returncode %s: %s %s", rc, root.text("messageKey"), root.text("message"))
				}
				return
			}
			wantError(t, root, "unsupportedContentType", "POST request Content-Type is missing or unsupported")
		})
	}
	if _, ok := s.Meeting("ct-multi"); !ok {
		t.Error("meeting from a multipart body is missing")
	}
	// The checksum is checked before the content type.
	root := parseXML(t, do(t, http.MethodPost, s.URL()+"/create?meetingID=x1&name=X1&checksum=00", "application/json", []byte("{}")))
	wantError(t, root, "checksumError", "Checksums do not match")
}

// TestMounted serves the simulator as a plain handler inside another server.
func TestMounted(t *testing.T) {
	s := New(Options{Secret: testSecret, Version: "3.0.1"})
	mux := http.NewServeMux()
	mux.Handle(APIPath+"/", s)
	mux.Handle(APIPath, s)
	ts := httptest.NewServer(mux)
	defer ts.Close()
	defer s.Close()

	if s.URL() != "" {
		t.Errorf("URL before Start = %q, want empty", s.URL())
	}
	root := parseXML(t, do(t, http.MethodGet, ts.URL+APIPath, "", nil))
	if got := root.text("bbbVersion"); got != "3.0.1" {
		t.Errorf("bbbVersion %q, want 3.0.1", got)
	}
	q := "meetingID=mounted&name=Mounted"
	root = parseXML(t, do(t, http.MethodGet, ts.URL+APIPath+"/create?"+q+"&checksum="+bbb.Checksum(bbb.SHA256, "create", q, testSecret), "", nil))
	if rc := root.text("returncode"); rc != "SUCCESS" {
		t.Fatalf("create: %s", root.text("message"))
	}
	q = "meetingID=mounted&fullName=A&role=viewer"
	r := do(t, http.MethodGet, ts.URL+APIPath+"/join?"+q+"&checksum="+bbb.Checksum(bbb.SHA256, "join", q, testSecret), "", nil)
	if loc := r.header.Get("Location"); !strings.HasPrefix(loc, ts.URL+"/html5client/join?sessionToken=") {
		t.Errorf("join Location %q, want the mounting server's client URL", loc)
	}
}

package handlers

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	_ "github.com/caddyserver/caddy/v2/modules/filestorage" // the file_system storage the tests configure
	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/module"
)

const (
	indexDoc        = `<response><returncode>SUCCESS</returncode><version>2.0</version></response>`
	indexDocBuild42 = `<response><returncode>SUCCESS</returncode><version>2.0</version><build>42</build></response>`
	unsupportedDoc  = `<response><returncode>FAILED</returncode><messageKey>unsupportedRequest</messageKey>` +
		`<message>This request is not supported.</message></response>`
	nextBody = "next handler"
)

// nextHandler stands for whatever follows bbb in the route (file_server, respond).
var nextHandler = caddyhttp.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) error {
	w.WriteHeader(http.StatusTeapot)
	_, err := w.Write([]byte(nextBody))
	return err
})

func TestServeHTTP(t *testing.T) {
	tests := []struct {
		name     string
		build    string
		method   string
		target   string
		wantBody string
	}{
		{"index", "", http.MethodGet, "/bigbluebutton/api", indexDoc},
		{"index trailing slash", "", http.MethodGet, "/bigbluebutton/api/", indexDoc},
		{"index with query", "", http.MethodGet, "/bigbluebutton/api?checksum=whatever", indexDoc},
		{"index POST", "", http.MethodPost, "/bigbluebutton/api", indexDoc},
		{"index HEAD", "", http.MethodHead, "/bigbluebutton/api", indexDoc},
		{"index with build", "42", http.MethodGet, "/bigbluebutton/api", indexDocBuild42},
		{"index with build trailing slash", "42", http.MethodPost, "/bigbluebutton/api/", indexDocBuild42},
		{"index PUT", "", http.MethodPut, "/bigbluebutton/api", unsupportedDoc},
		{"index DELETE", "", http.MethodDelete, "/bigbluebutton/api/", unsupportedDoc},
		{"unknown call", "", http.MethodGet, "/bigbluebutton/api/noSuchCall?checksum=x", unsupportedDoc},
		{"unknown call POST", "", http.MethodPost, "/bigbluebutton/api/noSuchCall", unsupportedDoc},
		{"call with extension", "", http.MethodGet, "/bigbluebutton/api/getMeetings.xml", unsupportedDoc},
		{"nested call", "", http.MethodGet, "/bigbluebutton/api/hooks/create", unsupportedDoc},
		{"double slash", "", http.MethodGet, "/bigbluebutton/api//", unsupportedDoc},
		{"other path", "", http.MethodGet, "/", nextBody},
		{"api prefix without separator", "", http.MethodGet, "/bigbluebutton/apidocs", nextBody},
		{"bigbluebutton root", "", http.MethodGet, "/bigbluebutton/", nextBody},
		{"playback", "", http.MethodGet, "/playback/presentation/2.3/abc", nextBody},
		{"case differs", "", http.MethodGet, "/BigBlueButton/api", nextBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &Handler{settings: module.Settings{BuildNumber: tt.build}, logger: zap.NewNop()}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(tt.method, tt.target, nil)
			if err := h.ServeHTTP(rec, req, nextHandler); err != nil {
				t.Fatalf("ServeHTTP: %v", err)
			}
			if got := rec.Body.String(); got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
			if tt.wantBody == nextBody {
				if rec.Code != http.StatusTeapot {
					t.Errorf("status = %d, want the next handler's %d", rec.Code, http.StatusTeapot)
				}
				return
			}
			if rec.Code != http.StatusOK {
				t.Errorf("status = %d, want 200", rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/xml;charset=utf-8" {
				t.Errorf("Content-Type = %q, want text/xml;charset=utf-8", ct)
			}
		})
	}
}

func TestAPICall(t *testing.T) {
	tests := []struct {
		path     string
		wantCall string
		wantOK   bool
	}{
		{"/bigbluebutton/api", "", true},
		{"/bigbluebutton/api/", "", true},
		{"/bigbluebutton/api/create", "create", true},
		{"/bigbluebutton/api/create/", "create", true},
		{"/bigbluebutton/api/hooks/list", "hooks/list", true},
		{"/bigbluebutton/api//", "/", true},
		{"/bigbluebutton/apix", "", false},
		{"/bigbluebutton", "", false},
		{"/api/create", "", false},
	}
	for _, tt := range tests {
		call, ok := apiCall(tt.path)
		if call != tt.wantCall || ok != tt.wantOK {
			t.Errorf("apiCall(%q) = %q, %v; want %q, %v", tt.path, call, ok, tt.wantCall, tt.wantOK)
		}
	}
}

// TestProvision loads the handler the way Caddy does, with and without a bbb
// app in the config: without one, ctx.App creates it on defaults.
func TestProvision(t *testing.T) {
	tests := []struct {
		name      string
		apps      caddy.ModuleMap
		wantBuild string
	}{
		{"without bbb app", nil, ""},
		{"with bbb app", caddy.ModuleMap{"bbb": mustJSON(t, map[string]any{"build_number": "7"})}, "7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Keep anything the app or Caddy writes out of the user's data dir.
			t.Setenv("XDG_DATA_HOME", t.TempDir())
			t.Setenv("XDG_CONFIG_HOME", t.TempDir())
			ctx, err := caddy.ProvisionContext(&caddy.Config{AppsRaw: tt.apps, StorageRaw: tempStorage(t)})
			if err != nil {
				t.Fatalf("ProvisionContext: %v", err)
			}
			h := new(Handler)
			if err := h.Provision(ctx); err != nil {
				t.Fatalf("Provision: %v", err)
			}
			if h.app == nil || h.logger == nil {
				t.Fatalf("Provision left app=%v logger=%v", h.app, h.logger)
			}
			if h.settings.BuildNumber != tt.wantBuild {
				t.Errorf("build number = %q, want %q", h.settings.BuildNumber, tt.wantBuild)
			}
			rec := httptest.NewRecorder()
			if err := h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/bigbluebutton/api", nil), nextHandler); err != nil {
				t.Fatalf("ServeHTTP: %v", err)
			}
			want := indexDoc
			if tt.wantBuild != "" {
				want = `<response><returncode>SUCCESS</returncode><version>2.0</version><build>` + tt.wantBuild + `</build></response>`
			}
			if got := rec.Body.String(); got != want {
				t.Errorf("body = %q, want %q", got, want)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tempStorage is a storage config in a temporary directory: Caddy's default
// storage path was fixed when its package loaded, before any t.Setenv.
func tempStorage(t *testing.T) json.RawMessage {
	return mustJSON(t, map[string]string{"module": "file_system", "root": t.TempDir()})
}

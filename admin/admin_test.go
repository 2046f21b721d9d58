package admin

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	_ "github.com/caddyserver/caddy/v2/modules/filestorage" // the file_system storage the tests configure
)

// serveAdmin mounts the module's routes on a ServeMux the way Caddy's admin
// server does and returns the error the matched route gave, or nil when no
// route matched.
func serveAdmin(t *testing.T, method, target string) (matched bool, err error) {
	t.Helper()
	a := new(Admin)
	if err := a.Provision(caddy.Context{}); err != nil {
		t.Fatalf("Provision: %v", err)
	}
	mux := http.NewServeMux()
	for _, route := range a.Routes() {
		mux.Handle(route.Pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			matched = true
			err = route.Handler.ServeHTTP(w, r)
		}))
	}
	mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, target, nil))
	return matched, err
}

// loadConfig runs a Caddy config without admin endpoint or listeners, so the
// admin routes see it as the running config.
func loadConfig(t *testing.T, cfg string) {
	t.Helper()
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	// Caddy's default storage path was fixed when its package loaded, so
	// give the config its own.
	cfg = strings.Replace(cfg, "{", `{"storage": {"module": "file_system", "root": "`+t.TempDir()+`"}, `, 1)
	if err := caddy.Load([]byte(cfg), true); err != nil {
		t.Fatalf("load config: %v", err)
	}
	t.Cleanup(func() {
		if err := caddy.Stop(); err != nil {
			t.Errorf("stop caddy: %v", err)
		}
	})
}

func TestRoutes(t *testing.T) {
	const (
		withApp    = `{"admin": {"disabled": true, "config": {"persist": false}}, "apps": {"bbb": {}}}`
		withoutApp = `{"admin": {"disabled": true, "config": {"persist": false}}}`
	)
	tests := []struct {
		name        string
		config      string // "" runs no config at all
		method      string
		target      string
		wantMatched bool
		wantStatus  int
		wantMessage string
	}{
		{"no config running", "", http.MethodGet, "/bbb/servers", true, http.StatusServiceUnavailable, "bbb app is not configured"},
		{"config without bbb", withoutApp, http.MethodGet, "/bbb/nope", true, http.StatusServiceUnavailable, "bbb app is not configured"},
		{"unknown route", withApp, http.MethodGet, "/bbb/nope", true, http.StatusNotFound, "no admin route GET /bbb/nope"},
		{"unknown route POST", withApp, http.MethodPost, "/bbb/a/b", true, http.StatusNotFound, "no admin route POST /bbb/a/b"},
		{"prefix itself", withApp, http.MethodGet, "/bbb/", true, http.StatusNotFound, "no admin route GET /bbb/"},
		{"outside prefix", withApp, http.MethodGet, "/bbbx", false, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.config != "" {
				loadConfig(t, tt.config)
			}
			matched, err := serveAdmin(t, tt.method, tt.target)
			if matched != tt.wantMatched {
				t.Fatalf("route matched = %v, want %v", matched, tt.wantMatched)
			}
			if !tt.wantMatched {
				return
			}
			var apiErr caddy.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error = %v (%T), want a caddy.APIError", err, err)
			}
			// Caddy's admin server only recognises an unwrapped APIError.
			if _, ok := err.(caddy.APIError); !ok {
				t.Errorf("error %T is wrapped; Caddy would answer 500", err)
			}
			if apiErr.HTTPStatus != tt.wantStatus {
				t.Errorf("status = %d, want %d", apiErr.HTTPStatus, tt.wantStatus)
			}
			if !strings.Contains(apiErr.Err.Error(), tt.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", apiErr.Err.Error(), tt.wantMessage)
			}
		})
	}
}

package handlers

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/store/sqlite"
)

// openHealthStore opens a migrated SQLite store in dir; closed says whether
// to close it before the test uses it.
func openHealthStore(t *testing.T, dir string, closed bool) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(dir, "bbb.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if closed {
		if err := s.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
	} else {
		t.Cleanup(func() { _ = s.Close() })
	}
	return s
}

func TestServeHealth(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		live       string // "ok", "closed" or "" for none
		recordings string
		wantStatus int
		wantBody   string
	}{
		{name: "healthy", method: http.MethodGet, live: "ok", recordings: "ok", wantStatus: http.StatusOK, wantBody: "success"},
		{name: "healthy head", method: http.MethodHead, live: "ok", recordings: "ok", wantStatus: http.StatusOK, wantBody: ""},
		{name: "both closed", method: http.MethodGet, live: "closed", recordings: "closed", wantStatus: http.StatusServiceUnavailable,
			wantBody: "Health Check Failure: live store: not answering; recordings store: not answering"},
		{name: "recordings closed", method: http.MethodGet, live: "ok", recordings: "closed", wantStatus: http.StatusServiceUnavailable,
			wantBody: "Health Check Failure: recordings store: not answering"},
		{name: "live closed", method: http.MethodGet, live: "closed", recordings: "ok", wantStatus: http.StatusServiceUnavailable,
			wantBody: "Health Check Failure: live store: not answering"},
		{name: "no live store", method: http.MethodGet, recordings: "ok", wantStatus: http.StatusServiceUnavailable,
			wantBody: "Health Check Failure: live store: not available"},
		{name: "post", method: http.MethodPost, live: "ok", recordings: "ok", wantStatus: http.StatusMethodNotAllowed, wantBody: "method not allowed\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			h := &Handler{logger: zap.NewNop()}
			if tt.live != "" {
				h.live = openHealthStore(t, dir, tt.live == "closed")
			}
			if tt.recordings != "" {
				recDir := filepath.Join(dir, "recordings")
				if err := os.Mkdir(recDir, 0o755); err != nil {
					t.Fatal(err)
				}
				h.recordings = openHealthStore(t, recDir, tt.recordings == "closed")
			}
			rec := httptest.NewRecorder()
			if err := h.serveHealth(rec, httptest.NewRequest(tt.method, "/health_check", nil)); err != nil {
				t.Fatalf("serveHealth: %v", err)
			}
			if rec.Code != tt.wantStatus || rec.Body.String() != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body.String(), tt.wantStatus, tt.wantBody)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type %q, want text/plain", ct)
			}
			// The answer is public: no path or error detail of a store.
			if strings.Contains(rec.Body.String(), dir) || strings.Contains(rec.Body.String(), "sqlite") {
				t.Errorf("body tells store details: %q", rec.Body.String())
			}
		})
	}
}

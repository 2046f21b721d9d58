package admin

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestClientErrors(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		wantMessage string
	}{
		{"admin error document", 409, `{"error":"server \"a\" still has 1 meeting(s)"}`, `server "a" still has 1 meeting(s)`},
		{"plain text", 502, "bad gateway\n", "HTTP 502: bad gateway"},
		{"empty body", 404, "", "HTTP 404 Not Found"},
		{"json without error", 400, `{"message":"x"}`, `HTTP 400: {"message":"x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c, err := NewClient(strings.TrimPrefix(srv.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/bbb/servers"})
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T), want *APIError", err, err)
			}
			if apiErr.StatusCode != tt.status || apiErr.Error() != tt.wantMessage {
				t.Errorf("got %d %q, want %d %q", apiErr.StatusCode, apiErr.Error(), tt.status, tt.wantMessage)
			}
		})
	}
}

// TestClientTransport checks the request as the admin endpoint sees it, over
// TCP and over a unix socket: Origin only over TCP, as caddycmd sends it.
func TestClientTransport(t *testing.T) {
	type seen struct{ origin, host, contentType, accept, body string }
	serve := func(got chan<- seen) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				t.Errorf("read body: %v", err)
			}
			got <- seen{r.Header.Get("Origin"), r.Host, r.Header.Get("Content-Type"), r.Header.Get("Accept"), string(body)}
			w.Write([]byte(`{"ok":true}`))
		})
	}

	t.Run("tcp", func(t *testing.T) {
		got := make(chan seen, 1)
		srv := httptest.NewServer(serve(got))
		defer srv.Close()
		addr := strings.TrimPrefix(srv.URL, "http://")
		c, err := NewClient(addr)
		if err != nil {
			t.Fatal(err)
		}
		body, err := c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/bbb/tenants", JSON: map[string]string{"name": "a"}})
		if err != nil || string(body) != `{"ok":true}` {
			t.Fatalf("Do: %q, %v", body, err)
		}
		s := <-got
		want := seen{"http://" + addr, addr, "application/json", "application/json", `{"name":"a"}`}
		if s != want {
			t.Errorf("server saw %+v, want %+v", s, want)
		}
	})

	t.Run("unix socket with permission bits", func(t *testing.T) {
		sock := filepath.Join(t.TempDir(), "admin.sock")
		ln, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan seen, 1)
		srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: serve(got), ReadHeaderTimeout: time.Second}}
		srv.Start()
		defer srv.Close()
		c, err := NewClient("unix/" + sock + "|0200")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Do(context.Background(), Request{Method: http.MethodGet, Path: "/bbb/status"}); err != nil {
			t.Fatalf("Do: %v", err)
		}
		s := <-got
		if s.origin != "" || s.host != "127.0.0.1" {
			t.Errorf("server saw Origin %q and Host %q, want none and 127.0.0.1", s.origin, s.host)
		}
	})
}

func TestClientTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := NewClient(strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Do(ctx, Request{Method: http.MethodPost, Path: "/bbb/poll"})
	if err == nil || !strings.Contains(err.Error(), "raise --timeout") {
		t.Errorf("error %v, want a timeout that names --timeout", err)
	}
}

func TestNewClientBadAddress(t *testing.T) {
	for _, addr := range []string{"localhost:2019-2020", "tcp/:notaport"} {
		if _, err := NewClient(addr); err == nil {
			t.Errorf("NewClient(%q) succeeded, want an error", addr)
		}
	}
}

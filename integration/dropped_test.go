package integration

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// droppedRetries bounds how often retryDropped resends one request.
const droppedRetries = 3

// retryDropped resends a request whose connection was closed before any
// answer came. After a config load returns, Caddy may still be stopping the
// previous config's servers: one of them can accept a connection on the
// shared listener just before its shutdown closes it unanswered (Caddy's
// http app says as much where it stops its servers), and a stopping server
// closes its idle keep-alive connections while a client may be sending on
// one. Front-ends resend in both cases (curl and Ruby's Net::HTTP retry a
// request on a connection that died unanswered), and so do these tests:
// such an EOF says nothing about caddy-bbb. resent, when set, counts the
// requests sent again.
type retryDropped struct {
	next   http.RoundTripper
	resent *atomic.Int64
}

// RoundTrip sends req, again up to droppedRetries times while the
// connection is dropped unanswered and the body can be sent again.
func (rt retryDropped) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := rt.next.RoundTrip(req)
		if err == nil || attempt == droppedRetries || !droppedUnanswered(err) {
			return resp, err
		}
		if rt.resent != nil {
			rt.resent.Add(1)
		}
		if req.Body != nil && req.Body != http.NoBody {
			if req.GetBody == nil {
				return resp, err
			}
			body, gerr := req.GetBody()
			if gerr != nil {
				return resp, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
		select {
		case <-req.Context().Done():
			return resp, err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// droppedUnanswered reports whether err is a connection closed before any
// answer. net/http says so with io.EOF, a reset, or (when the close came
// before the request was written) an error of its own that it does not
// export, known only by its text.
func droppedUnanswered(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		strings.Contains(err.Error(), "server closed idle connection")
}

// TestRetryDropped: a server that closes its first connections unanswered,
// as a stopping Caddy server may, is reached on a later try, body included;
// a plain client gets the EOF.
func TestRetryDropped(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var drop atomic.Int32
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			_, _ = w.Write(append([]byte("got "), body...))
		}),
		ConnState: func(c net.Conn, s http.ConnState) {
			if s == http.StateNew && drop.Add(-1) >= 0 {
				c.Close()
			}
		},
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	url := "http://" + ln.Addr().String() + "/"

	plain := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	drop.Store(1)
	if _, err := plain.Post(url, "text/plain", strings.NewReader("x")); err == nil {
		t.Fatal("the first connection was not dropped: the test proves nothing")
	}

	client := &http.Client{Transport: retryDropped{next: &http.Transport{DisableKeepAlives: true}}}
	drop.Store(2)
	resp, err := client.Post(url, "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatalf("POST through retryDropped: %v", err)
	}
	defer resp.Body.Close()
	if body, _ := io.ReadAll(resp.Body); string(body) != "got hello" {
		t.Errorf("answer %q, want %q", body, "got hello")
	}

	drop.Store(droppedRetries + 1)
	if _, err := client.Get(url); err == nil {
		t.Error("a server that drops every try was reached")
	}
}

package bbb

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const testSecret = "test-secret-do-not-log"

// fakeBBB is a BBB server on 127.0.0.1 that checks checksums like BBB and
// answers each call with a handler chosen by the test.
type fakeBBB struct {
	srv      *httptest.Server
	newConns atomic.Int64
	mu       sync.Mutex
	calls    map[string]http.HandlerFunc
	stop     chan struct{} // closed at cleanup to release hung handlers
}

func newFakeBBB(t *testing.T) *fakeBBB {
	t.Helper()
	f := &fakeBBB{calls: map[string]http.HandlerFunc{}, stop: make(chan struct{})}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			f.newConns.Add(1)
		}
	}
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { close(f.stop) }) // runs first: hung handlers return, then Close
	return f
}

func (f *fakeBBB) target() Target {
	return Target{URL: f.srv.URL + "/bigbluebutton/api", Secret: testSecret}
}

func (f *fakeBBB) handle(call string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[call] = h
}

func (f *fakeBBB) serve(w http.ResponseWriter, r *http.Request) {
	call, ok := strings.CutPrefix(r.URL.Path, "/bigbluebutton/api")
	if !ok {
		http.NotFound(w, r)
		return
	}
	call = strings.TrimPrefix(call, "/")
	if _, err := (Verifier{}).Verify(call, r.URL.RawQuery, r.URL.Query().Get("checksum"), []string{testSecret}); err != nil {
		_ = WriteError(w, Error{KeyChecksumError, "Checksums do not match"})
		return
	}
	f.mu.Lock()
	h := f.calls[call]
	f.mu.Unlock()
	if h == nil {
		http.NotFound(w, r)
		return
	}
	h(w, r)
}

func serveBody(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { _ = WriteXMLBytes(w, []byte(body)) }
}

func TestClientCalls(t *testing.T) {
	for _, a := range Algorithms {
		t.Run(string(a), func(t *testing.T) {
			f := newFakeBBB(t)
			index := strings.Replace(string(readSample(t, "index_30")), "<bbbVersion></bbbVersion>", "<bbbVersion>3.0.19</bbbVersion>", 1)
			f.handle("", serveBody(index))
			f.handle("getMeetings", serveBody(string(readSample(t, "get_meetings"))))
			f.handle("getMeetingInfo", func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("meetingID") != "Demo Meeting" {
					_ = WriteError(w, Error{KeyNotFound, "A meeting with that ID does not exist"})
					return
				}
				_ = WriteXMLBytes(w, readSample(t, "get_meeting_info"))
			})
			f.handle("isMeetingRunning", serveBody("<response><returncode>SUCCESS</returncode><running>true</running></response>"))
			f.handle("end", serveBody(string(readSample(t, "end"))))
			c := NewClient(ClientConfig{Algorithm: a, ResponseTimeout: 5 * time.Second})
			defer c.Close()
			ctx := context.Background()
			tg := f.target()

			v, err := c.Version(ctx, tg)
			if err != nil || v.BBBVersion != "3.0.19" || v.APIVersion != "2.0" {
				t.Errorf("Version = %+v, %v", v, err)
			}
			ms, err := c.GetMeetings(ctx, tg)
			if err != nil || len(ms.Meetings) != 1 || ms.Meetings[0].ID != "Demo Meeting" ||
				!strings.HasPrefix(string(ms.Meetings[0].Raw), "<meeting>") {
				t.Errorf("GetMeetings = %+v, %v", ms, err)
			}
			info, err := c.GetMeetingInfo(ctx, tg, "Demo Meeting")
			if err != nil || info.InternalMeetingID != "183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1715261728123" || len(info.Attendees) != 2 {
				t.Errorf("GetMeetingInfo = %+v, %v", info, err)
			}
			running, err := c.IsMeetingRunning(ctx, tg, "Demo Meeting")
			if err != nil || !running {
				t.Errorf("IsMeetingRunning = %v, %v", running, err)
			}
			reply, err := c.End(ctx, tg, "Demo Meeting")
			if err != nil || reply.Envelope.MessageKey != KeySentEndMeetingRequest {
				t.Errorf("End = %+v, %v", reply, err)
			}
			reply, err = c.Call(ctx, tg, "getMeetings", nil)
			if err != nil || string(reply.Body) != string(readSample(t, "get_meetings")) || !reply.Envelope.Success() {
				t.Errorf("Call body differs from what the server sent: %v", err)
			}
		})
	}
}

func TestClientPost(t *testing.T) {
	f := newFakeBBB(t)
	const slides = `<modules><module name="presentation"><document url="https://x/a.pdf" filename="a.pdf"/></module></modules>`
	f.handle("insertDocument", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/xml" || string(body) != slides ||
			r.URL.Query().Get("meetingID") != "m 1" {
			_ = WriteError(w, Error{"badRequest", r.Method + " " + r.Header.Get("Content-Type")})
			return
		}
		_ = WriteXMLBytes(w, []byte("<response><returncode>SUCCESS</returncode><messageKey></messageKey><message>Presentation is being uploaded</message></response>"))
	})
	c := NewClient(ClientConfig{})
	defer c.Close()
	reply, err := c.Post(context.Background(), f.target(), "insertDocument", Params{{"meetingID", "m 1"}}, "application/xml", []byte(slides))
	if err != nil || reply.Envelope.Message != "Presentation is being uploaded" {
		t.Errorf("Post = %+v, %v", reply, err)
	}
}

func TestClientErrorKinds(t *testing.T) {
	const response = 300 * time.Millisecond
	refused := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr + "/bigbluebutton/api"
	}()

	tests := []struct {
		name    string
		handler func(f *fakeBBB) http.HandlerFunc
		url     string // overrides the fake server's URL
		secret  string // overrides the right secret
		want    ErrorKind
		key     string
	}{
		{name: "failed", want: KindFailed, key: KeyNotFound, handler: func(*fakeBBB) http.HandlerFunc {
			return serveBody("<response><returncode>FAILED</returncode><messageKey>notFound</messageKey><message>A meeting with that ID does not exist</message></response>")
		}},
		{name: "wrong secret", want: KindFailed, key: KeyChecksumError, secret: "wrong", handler: func(*fakeBBB) http.HandlerFunc {
			return serveBody("<response><returncode>SUCCESS</returncode></response>")
		}},
		{name: "garbage", want: KindNotXML, handler: func(*fakeBBB) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "\x00\x01 not xml <<<") }
		}},
		{name: "html error page", want: KindNotXML, handler: func(*fakeBBB) http.HandlerFunc {
			return func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusBadGateway)
				_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
			}
		}},
		{name: "no returncode", want: KindNotXML, handler: func(*fakeBBB) http.HandlerFunc {
			return serveBody("<response><running>true</running></response>")
		}},
		{name: "too large", want: KindTooLarge, handler: func(*fakeBBB) http.HandlerFunc {
			return serveBody("<response><returncode>SUCCESS</returncode>" + strings.Repeat("<x/>", 2000) + "</response>")
		}},
		{name: "hung", want: KindTimeout, handler: func(f *fakeBBB) http.HandlerFunc {
			return func(_ http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-f.stop:
				}
			}
		}},
		{name: "refused", want: KindUnreachable, url: refused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeBBB(t)
			if tt.handler != nil {
				f.handle("getMeetingInfo", tt.handler(f))
			}
			tg := f.target()
			if tt.url != "" {
				tg.URL = tt.url
			}
			if tt.secret != "" {
				tg.Secret = tt.secret
			}
			c := NewClient(ClientConfig{ResponseTimeout: response, ConnectTimeout: time.Second, MaxResponseBytes: 4096})
			defer c.Close()

			start := time.Now()
			reply, err := c.Call(context.Background(), tg, "getMeetingInfo", Params{{"meetingID", "m1"}})
			elapsed := time.Since(start)

			var ce *CallError
			if !errors.As(err, &ce) {
				t.Fatalf("error = %v (%T), want a *CallError", err, err)
			}
			if ce.Kind != tt.want {
				t.Errorf("kind = %v, want %v (%v)", ce.Kind, tt.want, err)
			}
			if msg := err.Error(); strings.Contains(msg, tg.Secret) || strings.Contains(msg, "checksum=") || strings.Contains(msg, "meetingID=") {
				t.Errorf("error message leaks the signed URL or secret: %s", msg)
			}
			if ce.Call != "getMeetingInfo" || !strings.Contains(err.Error(), "getMeetingInfo") {
				t.Errorf("error does not name the call: %v", err)
			}
			if tt.want == KindFailed {
				var e Error
				if !errors.As(err, &e) || e.Key != tt.key || ce.Key != tt.key || e.Message == "" {
					t.Errorf("Failed error keeps %+v, want key %s", e, tt.key)
				}
				if reply == nil || !strings.Contains(string(reply.Body), tt.key) {
					t.Errorf("Failed reply does not carry the server's document: %+v", reply)
				}
			} else if reply != nil {
				t.Errorf("reply %+v with a %v error", reply, ce.Kind)
			}
			if tt.want == KindTimeout && (elapsed < response || elapsed > response+time.Second) {
				t.Errorf("timed out after %v, want about %v", elapsed, response)
			}
		})
	}
}

func TestOfflineTimeouts(t *testing.T) {
	tests := []struct {
		r, connect, response time.Duration
	}{
		{10 * time.Second, time.Second, time.Second},
		{20 * time.Second, 2 * time.Second, 2 * time.Second},
		{time.Second, 200 * time.Millisecond, 500 * time.Millisecond},
		{300 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond},
		{100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		c := NewClient(ClientConfig{ConnectTimeout: 7 * time.Second, ResponseTimeout: tt.r})
		connect, response := c.Timeouts(Target{Offline: true})
		if connect != tt.connect || response != tt.response {
			t.Errorf("R=%v offline: %v, %v; want %v, %v", tt.r, connect, response, tt.connect, tt.response)
		}
		connect, response = c.Timeouts(Target{})
		if connect != 7*time.Second || response != tt.r {
			t.Errorf("R=%v online: %v, %v; want the configured timeouts", tt.r, connect, response)
		}
	}
}

// A hung server marked offline fails after the shortened timeout, not the
// configured one.
func TestClientOfflineShortTimeout(t *testing.T) {
	f := newFakeBBB(t)
	f.handle("isMeetingRunning", func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-f.stop:
		}
	})
	c := NewClient(ClientConfig{ResponseTimeout: 10 * time.Second})
	defer c.Close()
	tg := f.target()
	tg.Offline = true
	start := time.Now()
	_, err := c.IsMeetingRunning(context.Background(), tg, "m1")
	elapsed := time.Since(start)
	var ce *CallError
	if !errors.As(err, &ce) || ce.Kind != KindTimeout {
		t.Fatalf("error = %v, want a timeout", err)
	}
	if elapsed < 900*time.Millisecond || elapsed > 3*time.Second {
		t.Errorf("offline call gave up after %v, want about 1s (R/10 of 10s)", elapsed)
	}
}

func TestClientCanceled(t *testing.T) {
	f := newFakeBBB(t)
	f.handle("getMeetings", func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-f.stop:
		}
	})
	c := NewClient(ClientConfig{ResponseTimeout: 10 * time.Second})
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := c.GetMeetings(ctx, f.target())
	var ce *CallError
	if !errors.As(err, &ce) || ce.Kind != KindCanceled || !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want canceled", err)
	}
}

func TestClientReusesConnections(t *testing.T) {
	tests := []struct {
		name        string
		workers     int
		perWorker   int
		maxNewConns int64
	}{
		{"sequential", 1, 100, 1},
		// A request that dialed may end up on a connection another request
		// freed first; its new connection then joins the pool. So a burst
		// can open a few more than one per worker, never one per call.
		{"concurrent", 16, 20, 32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeBBB(t)
			f.handle("isMeetingRunning", serveBody("<response><returncode>SUCCESS</returncode><running>false</running></response>"))
			c := NewClient(ClientConfig{})
			defer c.Close()
			var wg sync.WaitGroup
			errs := make(chan error, tt.workers)
			for range tt.workers {
				wg.Go(func() {
					for range tt.perWorker {
						if _, err := c.IsMeetingRunning(context.Background(), f.target(), "m"); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if n := f.newConns.Load(); n < 1 || n > tt.maxNewConns {
				t.Errorf("%d calls opened %d connections, want at most %d", tt.workers*tt.perWorker, n, tt.maxNewConns)
			}
		})
	}
}

// Package bbbsim is a simulated BigBlueButton 3.0 server for tests, benchmarks
// and demos. It answers the meeting calls of the BBB API (index, create, join,
// end, isMeetingRunning, getMeetingInfo, getMeetings, insertDocument,
// sendChatMessage) with the XML documents, message keys and HTTP conventions a
// real bbb-web uses, checks checksums with its own secret, and lets a test
// steer it: set the users of a meeting, add or end meetings, read the requests
// it received, and inject faults (down, hanging, garbage, slow).
//
// It knows nothing of Caddy and keeps all state in memory.
package bbbsim

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// APIPath is the path prefix of the BBB API.
const APIPath = "/bigbluebutton/api"

// DefaultDialNumber is the dial-in number BBB reports when create gives none
// (bbb-web's defaultDialAccessNumber).
const DefaultDialNumber = "613-555-1234"

// maxBody bounds how much of a request body the simulator reads; real
// pre-uploaded slides can be large, but tests never need more than this.
const maxBody = 32 << 20

// Options configures a simulated server.
type Options struct {
	// Secret is the shared secret (bbb-web's securitySalt). As on a real
	// server, an empty secret turns checksum validation off.
	Secret string
	// Algorithms lists the accepted checksum algorithms
	// (supportedChecksumAlgorithms); empty means all four.
	Algorithms []bbb.Algorithm
	// Version is reported as bbbVersion by the index call, e.g. "3.0.9".
	// Empty reports an empty element, as BBB does unless
	// allowRevealOfBBBVersion is set.
	Version string
	// Addr is the address Start listens on; empty means 127.0.0.1 on a free
	// port.
	Addr string
	// ServerURL is the public base URL (scheme and host) used in join
	// redirects and the index document. Empty means http:// plus the Host of
	// each request.
	ServerURL string
}

// Sim is a simulated BBB server. It is an http.Handler; Start also serves it
// on its own loopback listener. All methods are safe for concurrent use.
type Sim struct {
	opts     Options
	verifier bbb.Verifier

	// life serialises Start, Close and the listener changes of the Down
	// fault; it is taken before mu, never after.
	life     sync.Mutex
	addr     string        // host:port once started; kept across Down
	srv      *http.Server  // nil while not listening
	serveEnd chan struct{} // closed when the current Serve returns

	mu       sync.Mutex
	closed   bool
	closedCh chan struct{} // closed by Close; releases hanging and slow requests
	fault    Fault
	slow     time.Duration
	meetings map[string]*meeting // by external meetingID
	requests []Request

	// inflight counts ServeHTTP calls so Close can wait for them.
	inflight sync.WaitGroup
}

// New returns a simulator that is not yet listening; call Start to serve it on
// a port, or mount it as an http.Handler.
func New(opts Options) *Sim {
	return &Sim{
		opts:     opts,
		verifier: bbb.Verifier{Allowed: opts.Algorithms},
		closedCh: make(chan struct{}),
		meetings: make(map[string]*meeting),
	}
}

// Start listens on Options.Addr (default 127.0.0.1:0) and serves the API in
// the background until Close.
func (s *Sim) Start() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.isClosed() {
		return errors.New("bbbsim: start after close")
	}
	if s.addr != "" {
		return errors.New("bbbsim: already started")
	}
	addr := s.opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("bbbsim: listen %s: %w", addr, err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	return nil
}

// serve runs a fresh http.Server on ln; the caller holds s.life. A server that
// was closed cannot be reused, so the Down fault builds a new one on recovery.
func (s *Sim) serve(ln net.Listener) {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
	}
	done := make(chan struct{})
	s.srv, s.serveEnd = srv, done
	go func() {
		defer close(done)
		// Serve always returns an error; after Close it is ErrServerClosed,
		// which is the only way it ends here.
		_ = srv.Serve(ln)
	}()
}

// stopServing closes the listener and every open connection, and waits for
// the Serve goroutine; the caller holds s.life.
func (s *Sim) stopServing() error {
	if s.srv == nil {
		return nil
	}
	err := s.srv.Close()
	<-s.serveEnd
	s.srv, s.serveEnd = nil, nil
	if err != nil {
		return fmt.Errorf("bbbsim: close %s: %w", s.addr, err)
	}
	return nil
}

// Addr returns the host:port the simulator listens on, or "" before Start.
func (s *Sim) Addr() string {
	s.life.Lock()
	defer s.life.Unlock()
	return s.addr
}

// URL returns the API base URL, http://127.0.0.1:PORT/bigbluebutton/api, or ""
// before Start. It stays the same while the server is down.
func (s *Sim) URL() string {
	addr := s.Addr()
	if addr == "" {
		return ""
	}
	return "http://" + addr + APIPath
}

// Secret returns the shared secret.
func (s *Sim) Secret() string { return s.opts.Secret }

// Close stops the listener, releases hanging and delayed requests and waits
// for every request in progress and every goroutine the simulator started.
// It is safe to call more than once.
func (s *Sim) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()

	// Connections go first, so a released request has nowhere to answer.
	err := s.stopServing()
	close(s.closedCh)
	s.inflight.Wait()
	return err
}

func (s *Sim) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

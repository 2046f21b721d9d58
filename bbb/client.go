package bbb

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync"
	"time"
)

// Client defaults, Scalelite's where it has one.
const (
	DefaultConnectTimeout        = 5 * time.Second
	DefaultResponseTimeout       = 10 * time.Second
	DefaultMaxResponseBytes      = 32 << 20
	DefaultMaxIdleConnsPerServer = 256
)

// Target is a BBB server to call.
type Target struct {
	// URL is the API base, normally https://host/bigbluebutton/api.
	URL    string
	Secret string
	// Offline marks a server the poller saw fail: calls to it use shortened
	// timeouts so a user's request does not hang on a dead server.
	Offline bool
}

// ClientConfig configures a Client. Zero fields take the defaults.
type ClientConfig struct {
	// ConnectTimeout bounds establishing a connection (TCP and TLS).
	ConnectTimeout time.Duration
	// ResponseTimeout bounds the wait for the whole response once a
	// connection is in hand.
	ResponseTimeout time.Duration
	// Algorithm signs outbound calls; default SHA-256.
	Algorithm Algorithm
	// MaxResponseBytes caps a response body; a larger one fails with
	// KindTooLarge.
	MaxResponseBytes int64
	// MaxIdleConnsPerServer is how many idle keep-alive connections are kept
	// per server, which is how many concurrent calls reuse connections.
	MaxIdleConnsPerServer int
}

// Client calls BBB servers. It holds one connection pool shared by every
// call and every server, so calls reuse keep-alive connections. It is safe
// for concurrent use.
type Client struct {
	cfg       ClientConfig
	transport *http.Transport
	http      *http.Client
}

// connectTimeoutKey carries a call's connect timeout to the shared dialer;
// the transport keeps the request context's values when it dials.
type connectTimeoutKey struct{}

// NewClient returns a Client for cfg.
func NewClient(cfg ClientConfig) *Client {
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.ResponseTimeout <= 0 {
		cfg.ResponseTimeout = DefaultResponseTimeout
	}
	if cfg.Algorithm == "" {
		cfg.Algorithm = SHA256
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.MaxIdleConnsPerServer <= 0 {
		cfg.MaxIdleConnsPerServer = DefaultMaxIdleConnsPerServer
	}
	c := &Client{cfg: cfg}
	c.transport = &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         c.dial,
		ForceAttemptHTTP2:   true,
		TLSHandshakeTimeout: cfg.ConnectTimeout,
		MaxIdleConns:        0, // no overall cap: many servers each keep their own pool
		MaxIdleConnsPerHost: cfg.MaxIdleConnsPerServer,
		IdleConnTimeout:     90 * time.Second,
	}
	c.http = &http.Client{
		Transport: c.transport,
		// BBB answers API calls itself; a redirect is not followed, and its
		// body is classified like any other answer.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// Algorithm returns the algorithm outbound calls are signed with.
func (c *Client) Algorithm() Algorithm { return c.cfg.Algorithm }

// Close closes the idle connections of the pool. Calls still running finish.
func (c *Client) Close() { c.transport.CloseIdleConnections() }

func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: c.cfg.ConnectTimeout, KeepAlive: 30 * time.Second}
	if v, ok := ctx.Value(connectTimeoutKey{}).(time.Duration); ok && v > 0 {
		d.Timeout = v
	}
	return d.DialContext(ctx, network, addr)
}

// Timeouts returns the connect and response timeouts of calls to t. For an
// offline server both shrink to a tenth of the response timeout R, at least
// 0.2 s to connect and 0.5 s to respond and at most R, as Scalelite does.
func (c *Client) Timeouts(t Target) (connect, response time.Duration) {
	if !t.Offline {
		return c.cfg.ConnectTimeout, c.cfg.ResponseTimeout
	}
	return offlineTimeouts(c.cfg.ResponseTimeout)
}

func offlineTimeouts(r time.Duration) (connect, response time.Duration) {
	clamp := func(lo, v, hi time.Duration) time.Duration {
		return min(max(v, lo), hi)
	}
	return clamp(200*time.Millisecond, r/10, r), clamp(500*time.Millisecond, r/10, r)
}

// ErrorKind tells why a call to a BBB server failed.
type ErrorKind int

// The kinds of CallError.
const (
	// KindUnreachable: no connection (refused, DNS, TLS, reset).
	KindUnreachable ErrorKind = iota + 1
	// KindTimeout: connecting or the response took too long.
	KindTimeout
	// KindNotXML: the answer was not a BBB document (no returncode).
	KindNotXML
	// KindFailed: the server answered returncode FAILED.
	KindFailed
	// KindTooLarge: the answer exceeded the response-size cap.
	KindTooLarge
	// KindCanceled: the caller's context was canceled.
	KindCanceled
)

// String returns the kind's name.
func (k ErrorKind) String() string {
	switch k {
	case KindUnreachable:
		return "unreachable"
	case KindTimeout:
		return "timeout"
	case KindNotXML:
		return "not a BBB response"
	case KindFailed:
		return "failed"
	case KindTooLarge:
		return "response too large"
	case KindCanceled:
		return "canceled"
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// CallError is a failed call to a BBB server. Its message names the call and
// the server but never the secret or the signed URL.
type CallError struct {
	Kind ErrorKind
	Call string
	// Server is the target's URL.
	Server string
	// Key and Message are the server's messageKey and message (KindFailed).
	Key     string
	Message string
	// Err is the underlying error; for KindFailed it is the Error{Key, Message}.
	Err error
}

// Error describes the failure.
func (e *CallError) Error() string {
	call := e.Call
	if call == "" {
		call = "index"
	}
	msg := fmt.Sprintf("bbb %s on %s: %s", call, redactURL(e.Server), e.Kind)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *CallError) Unwrap() error { return e.Err }

// redactURL drops credentials and the query from a server URL for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid server URL)"
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

// Reply is a BBB server's answer: the body as received and its envelope. A
// SUCCESS envelope has messageKey and message only when they follow the
// returncode directly (see readEnvelope); decode Body for the rest.
type Reply struct {
	Body     []byte
	Envelope Envelope
}

// Call signs call with p and sends it to t as a GET. On returncode FAILED it
// returns the reply together with a KindFailed CallError, so a proxy can pass
// the server's document on.
func (c *Client) Call(ctx context.Context, t Target, call string, p Params) (*Reply, error) {
	return c.do(ctx, t, call, SignedURL(t.URL, call, p, t.Secret, c.cfg.Algorithm), http.MethodGet, "", nil)
}

// Post signs call with p (the query) and sends body with contentType as a
// POST, as create with slides and insertDocument do. It answers like Call.
func (c *Client) Post(ctx context.Context, t Target, call string, p Params, contentType string, body []byte) (*Reply, error) {
	return c.do(ctx, t, call, SignedURL(t.URL, call, p, t.Secret, c.cfg.Algorithm), http.MethodPost, contentType, body)
}

// Version fetches t's index document, whose bbbVersion tells the BBB release
// when the server reveals it.
func (c *Client) Version(ctx context.Context, t Target) (*VersionResponse, error) {
	r, err := c.do(ctx, t, "", VersionURL(t.URL, t.Secret, c.cfg.Algorithm), http.MethodGet, "", nil)
	if err != nil {
		return nil, err
	}
	var v VersionResponse
	if err := decodeReply(r, "", t, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// GetMeetings fetches every meeting on t, each with its raw XML node. An
// answer that cannot be read fails as KindNotXML.
func (c *Client) GetMeetings(ctx context.Context, t Target) (*MeetingsAnswer, error) {
	r, err := c.Call(ctx, t, "getMeetings", nil)
	if err != nil {
		return nil, err
	}
	m, err := ReadMeetings(r.Body)
	if err != nil {
		return nil, &CallError{Kind: KindNotXML, Call: "getMeetings", Server: t.URL, Err: err}
	}
	return m, nil
}

// GetMeetingInfo fetches one meeting from t by its meetingID there.
func (c *Client) GetMeetingInfo(ctx context.Context, t Target, meetingID string) (*MeetingInfoResponse, error) {
	r, err := c.Call(ctx, t, "getMeetingInfo", Params{{"meetingID", meetingID}})
	if err != nil {
		return nil, err
	}
	var m MeetingInfoResponse
	if err := decodeReply(r, "getMeetingInfo", t, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// IsMeetingRunning asks t whether a meeting has users in it.
func (c *Client) IsMeetingRunning(ctx context.Context, t Target, meetingID string) (bool, error) {
	r, err := c.Call(ctx, t, "isMeetingRunning", Params{{"meetingID", meetingID}})
	if err != nil {
		return false, err
	}
	var m IsMeetingRunningResponse
	if err := decodeReply(r, "isMeetingRunning", t, &m); err != nil {
		return false, err
	}
	return m.Running, nil
}

// End ends a meeting on t. BBB 3.0 ignores a password, so none is sent.
func (c *Client) End(ctx context.Context, t Target, meetingID string) (*Reply, error) {
	return c.Call(ctx, t, "end", Params{{"meetingID", meetingID}})
}

func decodeReply(r *Reply, call string, t Target, v any) error {
	if err := xml.Unmarshal(r.Body, v); err != nil {
		return &CallError{Kind: KindNotXML, Call: call, Server: t.URL, Err: fmt.Errorf("decode: %w", err)}
	}
	return nil
}

// errResponseTimeout is the cause the response timer cancels a call with.
var errResponseTimeout = errors.New("response timeout")

func (c *Client) do(ctx context.Context, t Target, call, rawURL, method, contentType string, body []byte) (*Reply, error) {
	fail := func(kind ErrorKind, err error) (*Reply, error) {
		return nil, &CallError{Kind: kind, Call: call, Server: t.URL, Err: err}
	}
	connect, response := c.Timeouts(t)

	parent := ctx
	// The backstop covers dial, TLS handshake and response together; the
	// response timer below is the precise bound once connected.
	ctx, cancelDeadline := context.WithTimeout(ctx, 2*connect+response)
	defer cancelDeadline()
	ctx, cancel := context.WithCancelCause(context.WithValue(ctx, connectTimeoutKey{}, connect))
	defer cancel(nil)

	// The response timeout starts when a connection is in hand, so a slow
	// dial does not eat into it and a reused connection gets all of it.
	var (
		mu    sync.Mutex
		timer *time.Timer
	)
	startTimer := func(httptrace.GotConnInfo) {
		mu.Lock()
		defer mu.Unlock()
		if timer == nil {
			timer = time.AfterFunc(response, func() { cancel(errResponseTimeout) })
		}
	}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		if timer != nil {
			timer.Stop()
		}
	}()
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: startTimer})

	var reqBody io.Reader
	if body != nil {
		reqBody = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, reqBody)
	if err != nil {
		// The error would quote the signed URL; the server URL is enough.
		return fail(KindUnreachable, errors.New("invalid server URL"))
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "text/xml, application/xml")

	resp, err := c.http.Do(req)
	if err != nil {
		return fail(classify(parent, ctx, err, connect, response))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxResponseBytes+1))
	if err != nil {
		return fail(classify(parent, ctx, err, connect, response))
	}
	if int64(len(data)) > c.cfg.MaxResponseBytes {
		return fail(KindTooLarge, fmt.Errorf("more than %d bytes", c.cfg.MaxResponseBytes))
	}

	// BBB reports failures in the document; the HTTP status says nothing a
	// missing returncode would not.
	r := &Reply{Body: data}
	if r.Envelope, err = readEnvelope(data); err != nil {
		return fail(KindNotXML, fmt.Errorf("HTTP %d: %w", resp.StatusCode, err))
	}
	if r.Envelope.ReturnCode == "" {
		return fail(KindNotXML, fmt.Errorf("HTTP %d: response has no returncode", resp.StatusCode))
	}
	if !r.Envelope.Success() {
		e := Error{Key: r.Envelope.MessageKey, Message: r.Envelope.Message}
		return r, &CallError{Kind: KindFailed, Call: call, Server: t.URL, Key: e.Key, Message: e.Message, Err: e}
	}
	return r, nil
}

// classify turns a transport error into a kind and an error free of the
// signed URL.
func classify(parent, ctx context.Context, err error, connect, response time.Duration) (ErrorKind, error) {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case parent.Err() != nil:
		if errors.Is(parent.Err(), context.DeadlineExceeded) {
			return KindTimeout, parent.Err()
		}
		return KindCanceled, parent.Err()
	case errors.Is(context.Cause(ctx), errResponseTimeout):
		return KindTimeout, fmt.Errorf("no response within %s", response)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return KindTimeout, fmt.Errorf("no connection and response within %s", 2*connect+response)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return KindTimeout, fmt.Errorf("connect: %w", err)
	}
	return KindUnreachable, err
}

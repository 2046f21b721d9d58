package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
)

// maxResponseBytes bounds what the client reads of one admin response; the
// largest answers are server and meeting lists, far below this.
const maxResponseBytes = 64 << 20

// Client talks to the /bbb/ routes of a Caddy admin endpoint. It reaches the
// endpoint the way caddycmd.AdminAPIRequest does (TCP, unix socket, Origin
// header), but takes a context and keeps the status of a failed request, so
// callers get a clean error message and can bound every call.
type Client struct {
	origin    string // scheme and host put in front of every path
	setOrigin bool   // send the Origin header (not over unix sockets)
	http      *http.Client
}

// NewClient returns a client of the admin endpoint at adminAddr, a Caddy
// network address such as localhost:2019 or unix//run/caddy-admin.sock.
func NewClient(adminAddr string) (*Client, error) {
	addr, err := caddy.ParseNetworkAddress(adminAddr)
	if err != nil {
		return nil, fmt.Errorf("admin address %q: %w", adminAddr, err)
	}
	if addr.PortRangeSize() > 1 {
		return nil, fmt.Errorf("admin address %q: a port range is not one address", adminAddr)
	}
	c := &Client{origin: "http://" + addr.JoinHostPort(0), setOrigin: true}
	network, dialAddr := addr.Network, addr.JoinHostPort(0)
	if addr.IsUnixNetwork() || addr.IsFdNetwork() {
		// The host only has to satisfy the admin endpoint's Host check.
		c.origin, c.setOrigin = "http://127.0.0.1", false
		// A unix address may end in |<permission bits>, which are not part
		// of the socket's path.
		dialAddr, _, _ = strings.Cut(dialAddr, "|")
	}
	c.http = &http.Client{
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, dialAddr)
			},
		},
	}
	return c, nil
}

// APIError is an admin route's answer with a status of 400 or more.
type APIError struct {
	StatusCode int
	// Message is the route's {"error": …} text, or the body when it is not
	// such a document.
	Message string
}

// Error returns the route's message alone: it is written for people.
func (e *APIError) Error() string { return e.Message }

// Request is one admin API call.
type Request struct {
	Method string
	Path   string // e.g. /bbb/servers/bbb1; path segments must be escaped
	Query  url.Values
	// Body is sent as is with ContentType; JSON marshals a value instead
	// when Body is nil.
	Body        []byte
	ContentType string
	JSON        any
}

// Do sends r and returns the body of a successful answer. A status of 400 or
// more is returned as *APIError; a failure to reach the endpoint says which
// address was tried.
func (c *Client) Do(ctx context.Context, r Request) ([]byte, error) {
	body, contentType := r.Body, r.ContentType
	if body == nil && r.JSON != nil {
		var err error
		if body, err = json.Marshal(r.JSON); err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", r.Method, r.Path, err)
		}
		contentType = "application/json"
	}
	target := c.origin + r.Path
	if len(r.Query) > 0 {
		target += "?" + r.Query.Encode()
	}
	var reqBody io.Reader
	if body != nil {
		reqBody = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, target, reqBody)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.Method, r.Path, err)
	}
	if c.setOrigin {
		req.Header.Set("Origin", c.origin)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("%s %s: no answer in time (raise --timeout)", r.Method, r.Path)
		}
		// The URL in a *url.Error is the bogus one of a unix socket; the
		// dial error names the address that was tried.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return nil, fmt.Errorf("cannot reach Caddy's admin endpoint (is Caddy running, and is --address right?): %w", err)
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read answer: %w", r.Method, r.Path, err)
	}
	if resp.StatusCode >= 400 {
		return nil, &APIError{StatusCode: resp.StatusCode, Message: errorMessage(resp.StatusCode, respBody)}
	}
	return respBody, nil
}

// errorMessage extracts the message of a failed admin call.
func errorMessage(status int, body []byte) string {
	var doc struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &doc) == nil && doc.Error != "" {
		return doc.Error
	}
	if text := strings.TrimSpace(string(body)); text != "" {
		return fmt.Sprintf("HTTP %d: %s", status, text)
	}
	return fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
}

// Server is a BBB server as the admin routes describe it.
type Server struct {
	ID     string `json:"id"`
	URL    string `json:"url"`
	Secret string `json:"secret"`
	Tag    string `json:"tag"`
	State  string `json:"state"`
	Online bool   `json:"online"`
	// Load is nil while the server is offline.
	Load           *float64 `json:"load"`
	LoadMultiplier float64  `json:"load_multiplier"`
	Meetings       int      `json:"meetings"`
	Users          int      `json:"users"`
	LargestMeeting int      `json:"largest_meeting"`
	Videos         int      `json:"videos"`
	BBBVersion     string   `json:"bbb_version"`
}

// StatusRow is one row of GET /bbb/status. The figures are pointers because
// a server that was never polled has none; those print as "-".
type StatusRow struct {
	ID             string   `json:"id"`
	Hostname       string   `json:"hostname"`
	URL            string   `json:"url"`
	State          string   `json:"state"`
	Status         string   `json:"status"`
	Online         *bool    `json:"online"`
	Meetings       *int     `json:"meetings"`
	Users          *int     `json:"users"`
	LargestMeeting *int     `json:"largest_meeting"`
	Videos         *int     `json:"videos"`
	Load           *float64 `json:"load"`
	BBBVersion     string   `json:"bbb_version"`
	Tag            string   `json:"tag"`
}

// Meeting is a live meeting binding as the admin routes describe it.
type Meeting struct {
	ID           string    `json:"id"`
	Tenant       string    `json:"tenant"`
	ServerID     string    `json:"server_id"`
	ServerURL    string    `json:"server_url"`
	Created      time.Time `json:"created"`
	VoiceBridge  string    `json:"voice_bridge"`
	Participants int       `json:"participants"`
	Moderators   int       `json:"moderators"`
	Videos       int       `json:"videos"`
}

// Tenant is a tenant as the admin routes describe it.
type Tenant struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Secrets []string `json:"secrets"`
}

// TenantSetting is a create or join parameter a tenant sets by default or
// overrides.
type TenantSetting struct {
	Param    string `json:"param"`
	Value    string `json:"value"`
	Override bool   `json:"override"`
}

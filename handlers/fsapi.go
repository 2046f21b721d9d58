package handlers

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// fsapiPath is where FreeSWITCH's mod_xml_curl asks for its dialplan.
const fsapiPath = "/fsapi"

// fsapiUser is the HTTP Basic user FreeSWITCH authenticates as.
const fsapiUser = "fsapi"

// fsapiRealm is the realm of the 401 when the request names no host.
const fsapiRealm = "fsapi"

// fsapiTimeout bounds the store lookups of one request. mod_xml_curl holds
// the caller in silence while it waits, so a slow store must not hold it long.
const fsapiTimeout = 5 * time.Second

// minBreakoutPin is the shortest pin that may carry a breakout room digit:
// BBB numbers breakout rooms by appending one digit to the meeting's pin.
const minBreakoutPin = module.MinVoiceBridgeLength + 1

// The request fields mod_xml_curl sends that the dialplan reads.
const (
	fsSection     = "section"
	fsDestination = "Caller-Destination-Number"
	fsPin         = "variable_pin"
	fsCallerName  = "Caller-Caller-ID-Name"
	fsHideNumber  = "Caller-Privacy-Hide-Number"
	fsHideName    = "Caller-Privacy-Hide-Name"
)

// serveFSAPI answers FreeSWITCH's dialplan requests for the dial-in number:
// a prompt for the conference pin, a bridge to the BBB server running the
// meeting of a known pin, the prompt again for an unknown one, and a reject
// for anything that is not a call to the number. Failures of the store are
// logged and answered with a reject, so FreeSWITCH moves on to its other
// dialplan sources rather than holding the caller.
func (h *Handler) serveFSAPI(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil
	}
	if !h.fsapiAuthorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+fsapiRealmOf(r.Host)+`"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return nil
		}
		h.logger.Warn("fsapi: unreadable request", zap.Error(err))
		http.Error(w, "bad request", http.StatusBadRequest)
		return nil
	}

	body, err := h.dialplan(r)
	if err != nil {
		h.logger.Error("fsapi: dial-in rejected", zap.Error(err))
		if body, err = bbb.DialplanReject(); err != nil {
			return fmt.Errorf("fsapi: %w", err)
		}
	}
	w.Header().Set("Content-Type", bbb.ContentTypeXML)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("fsapi: write response: %w", err)
	}
	return nil
}

// dialplan chooses and builds the document for a request. An error means the
// request deserves a dialplan but cannot have one now; the caller logs it.
func (h *Handler) dialplan(r *http.Request) ([]byte, error) {
	destination := strings.TrimSpace(r.Form.Get(fsDestination))
	if r.Form.Get(fsSection) != "dialplan" || destination == "" {
		return bbb.DialplanReject()
	}
	if h.live == nil {
		return nil, errNoLiveStore
	}
	prompt := bbb.PinPrompt{
		Destination: destination,
		MinDigits:   module.MinVoiceBridgeLength,
		MaxDigits:   max(h.settings.VoiceBridgeLength, module.MinVoiceBridgeLength),
		MaxDuration: h.settings.FSAPI.MaxDuration,
	}
	pin := strings.TrimSpace(r.Form.Get(fsPin))
	if pin == "" {
		return bbb.DialplanPinPrompt(prompt)
	}
	// play_and_get_digits only collects digits; anything else was not typed
	// by a caller and is not looked up.
	if !bbb.IsPin(pin) {
		return bbb.DialplanReprompt(prompt)
	}

	ctx, cancel := context.WithTimeout(r.Context(), fsapiTimeout)
	defer cancel()
	m, server, err := h.meetingOfPin(ctx, pin)
	if errors.Is(err, store.ErrNotFound) {
		h.logger.Debug("fsapi: no meeting for the pin; prompting again")
		return bbb.DialplanReprompt(prompt)
	}
	if err != nil {
		return nil, err
	}
	host, err := serverHost(server.URL)
	if err != nil {
		return nil, fmt.Errorf("server %s: %w", server.ID, err)
	}
	h.logger.Info("fsapi: dial-in bridged to a meeting",
		zap.String("meeting_id", m.ID), zap.String("tenant", m.Tenant), zap.String("server", server.ID))
	return bbb.DialplanBridge(bbb.DialInBridge{
		Destination: destination,
		Pin:         pin,
		Host:        host,
		MeetingID:   m.ID,
		CallerIDName: bbb.CallerIDName(r.Form.Get(fsCallerName),
			r.Form.Get(fsHideNumber) == "true", r.Form.Get(fsHideName) == "true"),
		MaxDuration: h.settings.FSAPI.MaxDuration,
	})
}

// meetingOfPin finds the live meeting of a pin and its server. A pin longer
// than a meeting's may be a breakout room's: its meeting's pin followed by the
// room's digit; the caller is bridged with the pin as dialed, and the BBB
// server picks the room by it. ErrNotFound when no meeting has the pin, or
// its server went away in between.
func (h *Handler) meetingOfPin(ctx context.Context, pin string) (store.Meeting, store.Server, error) {
	m, err := h.live.MeetingByVoiceBridge(ctx, pin)
	if errors.Is(err, store.ErrNotFound) && len(pin) >= minBreakoutPin {
		m, err = h.live.MeetingByVoiceBridge(ctx, pin[:len(pin)-1])
	}
	if err != nil {
		return store.Meeting{}, store.Server{}, fmt.Errorf("find meeting by pin: %w", err)
	}
	server, err := h.live.Server(ctx, m.ServerID)
	if err != nil {
		return store.Meeting{}, store.Server{}, fmt.Errorf("server %s of meeting %s: %w", m.ServerID, m.ID, err)
	}
	return m, server, nil
}

// serverHost is the host FreeSWITCH bridges to: that of the server's API URL,
// without the port, which is the web server's and not SIP's.
func serverHost(apiURL string) (string, error) {
	u, err := url.Parse(apiURL)
	if err != nil {
		return "", fmt.Errorf("parse server URL: %w", err)
	}
	if u.Hostname() == "" {
		return "", errors.New("server URL has no host")
	}
	return u.Hostname(), nil
}

// fsapiAuthorized checks the HTTP Basic credentials. Both are compared in
// constant time over their hashes, so neither their content nor their length
// shows in the timing. Without a password, unless authentication is
// explicitly off, nothing is authorized: an endpoint that hands out meeting
// bridges must not be open by accident.
func (h *Handler) fsapiAuthorized(r *http.Request) bool {
	f := h.settings.FSAPI
	if f.AuthDisabled {
		return true
	}
	if f.Password == "" {
		h.logger.Warn("fsapi: request refused: no password is configured; set fsapi password, or secrets")
		return false
	}
	user, password, ok := r.BasicAuth()
	if !ok {
		return false
	}
	userOK := equalHashes(user, fsapiUser)
	passwordOK := equalHashes(password, f.Password)
	return userOK&passwordOK == 1
}

// equalHashes compares the SHA-256 hashes of a and b in constant time and
// returns 1 when they are equal.
func equalHashes(a, b string) int {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:])
}

// fsapiRealmOf is the Basic realm of a 401: the request's host without the
// port, as Scalelite names its URL_HOST, kept to characters that cannot break
// out of the quoted header value.
func fsapiRealmOf(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	host = strings.Map(func(c rune) rune {
		if c == '"' || c == '\\' || c < 0x20 || c == 0x7f {
			return -1
		}
		return c
	}, host)
	if host == "" {
		return fsapiRealm
	}
	return host
}

package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// maxAnalyticsBody caps an analytics document; real ones are a few kB per
// attendee.
const maxAnalyticsBody = 8 << 20

// analyticsCustomer is the customer a relayed analytics document names when
// there is no tenant. Front-ends built for Scalelite expect this value.
const analyticsCustomer = "scalelite"

// analyticsTokenLifetime is how long the relayed document's token is valid,
// as BBB makes its own.
const analyticsTokenLifetime = 24 * time.Hour

// serveAnalyticsCallback relays a BBB server's analytics document to the
// front-end that asked for it at create (spec/scalelite.md §4.8). The BBB
// server signs with its own secret, which the front-end does not know: the
// token is checked against every server's secret, and the document re-signed
// with the load balancer's (or the tenant's) secrets, one after the other
// until the front-end accepts one. The answer is always 204: the BBB server
// can do nothing about a front-end's failure.
func (h *Handler) serveAnalyticsCallback(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := h.callContext(r)
	defer cancel()
	if err := h.requireLive(); err != nil {
		return h.fail(w, nil, "analytics_callback", err, "Unable to relay analytics.")
	}
	// The tenant still comes from the host, as for every API call, but no
	// checksum is asked: the JWT authenticates the server.
	a := &apiRequest{call: "analytics_callback", log: h.logger.With(zap.String("call", "analytics_callback"))}
	if err := h.resolveTenant(ctx, r, a); err != nil {
		return h.fail(w, nil, "analytics_callback", err, "Unable to relay analytics.")
	}
	if err := h.relayAnalytics(ctx, r, a); err != nil {
		a.log.Warn("analytics callback not relayed", zap.Error(err))
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) relayAnalytics(ctx context.Context, r *http.Request, a *apiRequest) error {
	servers, err := h.live.Servers(ctx)
	if err != nil {
		return fmt.Errorf("list servers: %w", err)
	}
	secrets := make([]string, 0, len(servers))
	for _, s := range servers {
		secrets = append(secrets, s.Secret)
	}
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if _, err := bbb.VerifyJWT(strings.TrimSpace(token), bbb.HS512, secrets, time.Now()); err != nil {
		return fmt.Errorf("verify token: %w", err)
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, maxAnalyticsBody+1))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if len(body) > maxAnalyticsBody {
		return errors.New("body too large")
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	meetingID, _ := doc["meeting_id"].(string)
	if meetingID == "" {
		return errors.New("no meeting_id")
	}
	log := a.log.With(zap.String("meeting", meetingID))
	cb, err := h.recordingStore().Callback(ctx, a.tenant.ID, meetingID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && cb.AnalyticsURL == "") {
		log.Debug("analytics callback for a meeting without an analytics URL")
		return nil
	}
	if err != nil {
		return fmt.Errorf("callback data: %w", err)
	}

	doc["customer"] = analyticsCustomer
	signWith := h.settings.Secrets
	if a.tenant.ID != "" {
		doc["customer"] = a.tenant.Name
		signWith = a.tenant.Secrets
	}
	payload, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode document: %w", err)
	}
	var errs []error
	for i, secret := range signWith {
		err := h.postAnalytics(ctx, cb.AnalyticsURL, payload, secret)
		if err == nil {
			log.Debug("analytics relayed", zap.Int("attempt", i+1))
			return nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return errors.New("no secret to sign the relayed document with")
	}
	return fmt.Errorf("front-end refused every attempt: %w", errors.Join(errs...))
}

// recordingStore returns the recordings store; its absence reads as "no
// callback stored".
func (h *Handler) recordingStore() store.Recordings {
	if h.recordings == nil {
		return noRecordings{}
	}
	return h.recordings
}

// noRecordings stands in for a missing recordings store in callback lookups.
type noRecordings struct{ store.Recordings }

func (noRecordings) Callback(context.Context, string, string) (store.CallbackData, error) {
	return store.CallbackData{}, store.ErrNotFound
}

// postAnalytics makes one relay attempt; only a 2xx answer is success.
func (h *Handler) postAnalytics(ctx context.Context, target string, payload []byte, secret string) error {
	token, err := bbb.SignJWT(bbb.HS512, map[string]any{"exp": time.Now().Add(analyticsTokenLifetime).Unix()}, secret)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(payload))
	if err != nil {
		// The URL came from the front-end; its text may hold credentials.
		return errors.New("invalid analytics URL")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "BigBlueButton Analytics Callback")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := h.relay.Do(req)
	if err != nil {
		// The URL error would quote the URL, which may hold credentials.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	// Drain a little so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

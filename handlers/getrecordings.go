package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/recordings"
)

func init() {
	apiRoutes["getRecordings"] = apiRoute{methods: getOrPost, serve: (*Handler).serveGetRecordings}
}

const msgGetRecordingsFailed = "Unable to get recordings."

// serveGetRecordings answers getRecordings from the recordings store
// (spec/scalelite.md §8.1, DESIGN §6.7), with every URL on the load
// balancer's own scheme and host.
func (h *Handler) serveGetRecordings(w http.ResponseWriter, r *http.Request) error {
	if h.settings.Recordings.Disabled {
		// No checksum: nothing is revealed (spec/scalelite.md §4.9).
		return bbb.WriteXML(w, bbb.NewRecordingsResponse(nil, nil))
	}
	ctx, cancel := h.callContext(r)
	defer cancel()
	a, err := h.readRequest(ctx, r, "getRecordings", formBody)
	if err != nil {
		return h.fail(w, nil, "getRecordings", err, msgGetRecordingsFailed)
	}
	if h.recordings == nil {
		return h.fail(w, a.log, "getRecordings", errNoRecordingStore, msgGetRecordingsFailed)
	}
	q, paginated, err := recordings.ParseQuery(a.params, recordings.QueryOptions{
		Filtered: h.settings.Recordings.Filtered,
		Tenant:   a.tenant.ID,
	})
	if err != nil {
		return h.fail(w, a.log, "getRecordings", err, msgGetRecordingsFailed)
	}
	found, total, err := h.recordings.QueryRecordings(ctx, q)
	if err != nil {
		return h.fail(w, a.log, "getRecordings", err, msgGetRecordingsFailed)
	}
	protection := h.settings.Recordings.Protected
	if protection && h.live == nil {
		return h.fail(w, a.log, "getRecordings", errNoLiveStore, msgGetRecordingsFailed)
	}
	doc := recordings.Document{
		BaseURL:    requestBaseURL(r),
		Protection: protection,
		Tokens:     recordings.Tokens{Live: h.live, TTL: h.settings.Recordings.TokenTimeout},
	}
	list, err := doc.Recordings(ctx, found)
	if err != nil {
		return h.fail(w, a.log, "getRecordings", err, msgGetRecordingsFailed)
	}
	var totalElements *int
	if paginated {
		totalElements = &total
	}
	return bbb.WriteXML(w, bbb.NewRecordingsResponse(list, totalElements))
}

// requestBaseURL is scheme://host[:port] of the request as the client sent
// it, which recording URLs must point at.
func requestBaseURL(r *http.Request) string {
	if requestIsTLS(r) {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// requestIsTLS reports whether the client reached us over TLS: directly, or
// through a proxy that Caddy's trusted_proxies setting trusts and that says
// so in X-Forwarded-Proto. An untrusted client's header is ignored.
func requestIsTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if trusted, _ := caddyhttp.GetVar(r.Context(), caddyhttp.TrustedProxyVarKey).(bool); !trusted {
		return false
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// errNoRecordingStore is why recording calls fail while the app has no
// recordings store.
var errNoRecordingStore = errors.New("the bbb app has no recordings store")

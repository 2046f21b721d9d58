package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/pool"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// Body size caps. Form parameters are small; XML bodies carry pre-uploaded
// slides, possibly embedded as base64, and are forwarded as they are.
const (
	maxFormBody = 1 << 20
	maxXMLBody  = 32 << 20
)

// storeBudget is the time a request may spend on store calls, on top of
// what a call to a BBB server may take.
const storeBudget = 10 * time.Second

// bodyRule is which POST bodies a call accepts (spec/scalelite.md §2.1).
type bodyRule int

const (
	// formBody: URL-encoded or multipart form.
	formBody bodyRule = iota
	// createBody: a form, or XML (pre-uploaded slides).
	createBody
	// xmlBody: XML only (insertDocument).
	xmlBody
)

// Media types of bodies.
const (
	mediaForm      = "application/x-www-form-urlencoded"
	mediaMultipart = "multipart/form-data"
)

// isXML reports whether a media type is XML, as Rails' Mime[:xml] is.
func isXML(media string) bool {
	return media == "application/xml" || media == "text/xml" || media == "application/x-xml"
}

func (r bodyRule) accepts(media string) bool {
	form := media == mediaForm || media == mediaMultipart
	switch r {
	case createBody:
		return form || isXML(media)
	case xmlBody:
		return isXML(media)
	}
	return form
}

// apiRequest is a BBB API call whose content type, checksum and tenant were
// checked.
type apiRequest struct {
	call string
	// params are the query's parameters followed by a form body's, checksum
	// included, in the order sent.
	params bbb.Params
	// xml is a POSTed XML body, nil otherwise.
	xml []byte
	// tenant is the caller's tenant; the zero value without multitenancy.
	tenant store.Tenant
	// log carries the call and tenant fields.
	log *zap.Logger
}

// meetingID returns the meetingID parameter, or missingParamMeetingID when
// it is absent or blank, as Rails' params.require treats it.
func (a *apiRequest) meetingID() (string, error) {
	id := a.params.Get("meetingID")
	if strings.TrimSpace(id) == "" {
		return "", bbb.ErrMissingMeetingID
	}
	return id, nil
}

// readRequest reads a call's parameters from the query and, for a POST, the
// body it accepts under rule, then verifies the checksum against the secrets
// of the caller: the tenant's with multitenancy, else the configured ones.
// A failure the client must see is a bbb.Error.
func (h *Handler) readRequest(ctx context.Context, r *http.Request, call string, rule bodyRule) (*apiRequest, error) {
	a, err := h.readParams(r, call, rule)
	if err != nil {
		return nil, err
	}
	if err := h.resolveTenant(ctx, r, a); err != nil {
		return nil, err
	}
	secrets := h.settings.Secrets
	if h.settings.Multitenancy != "" {
		secrets = a.tenant.Secrets
	}
	sums := a.params.Values("checksum")
	if len(sums) != 1 || sums[0] == "" {
		// Two checksums would let string removal accept a signed query
		// with an extra unsigned parameter.
		return nil, bbb.ErrChecksumFailed
	}
	if _, err := h.verifier.Verify(call, r.URL.RawQuery, sums[0], secrets); err != nil {
		return nil, bbb.ErrChecksumFailed
	}
	return a, nil
}

// readParams reads the query and body without checking the checksum.
func (h *Handler) readParams(r *http.Request, call string, rule bodyRule) (*apiRequest, error) {
	// A malformed escape drops that pair only, as servlet containers and
	// Rack do; the checksum is over the raw query anyway.
	params, _ := bbb.ParseQuery(r.URL.RawQuery)
	a := &apiRequest{call: call, params: params, log: h.logger.With(zap.String("call", call))}
	if r.Method != http.MethodPost || r.Body == nil {
		return a, nil
	}
	limit := int64(maxFormBody)
	if rule != formBody {
		limit = maxXMLBody
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if len(body) == 0 {
		// An empty POST is a GET in all but name, whatever its type.
		return a, nil
	}
	if int64(len(body)) > limit {
		return nil, bbb.InternalError("The request body is too large.")
	}
	media, mparams, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !rule.accepts(media) {
		return nil, bbb.ErrUnsupportedContentType
	}
	switch media {
	case mediaForm:
		form, err := bbb.ParseQuery(string(body))
		if err != nil && len(form) == 0 {
			return nil, bbb.ErrUnsupportedContentType
		}
		a.params = append(a.params, form...)
	case mediaMultipart:
		form, err := multipart.NewReader(bytes.NewReader(body), mparams["boundary"]).ReadForm(limit)
		if err != nil {
			return nil, bbb.ErrUnsupportedContentType
		}
		// Sorted, so the forwarded query does not change from run to run.
		for _, k := range slices.Sorted(maps.Keys(form.Value)) {
			for _, v := range form.Value[k] {
				a.params.Add(k, v)
			}
		}
		if err := form.RemoveAll(); err != nil {
			a.log.Warn("remove multipart temporary files", zap.Error(err))
		}
	default:
		a.xml = body
	}
	return a, nil
}

// resolveTenant sets the caller's tenant under multitenancy: the first label
// of the Host under the base domain. An unknown tenant, and the base domain
// itself, fail the checksum check, as in Scalelite.
func (h *Handler) resolveTenant(ctx context.Context, r *http.Request, a *apiRequest) error {
	base := h.settings.Multitenancy
	if base == "" {
		return nil
	}
	name, ok := pool.TenantNameFromHost(r.Host, base)
	if !ok {
		return bbb.ErrChecksumFailed
	}
	if h.live == nil {
		return errNoLiveStore
	}
	t, err := h.live.TenantByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return bbb.ErrChecksumFailed
	}
	if err != nil {
		return fmt.Errorf("look up tenant %q: %w", name, err)
	}
	a.tenant = t
	a.log = a.log.With(zap.String("tenant", t.ID))
	return nil
}

// errNoLiveStore is why calls fail while the app has no live store.
var errNoLiveStore = errors.New("the bbb app has no live store")

// timeouts returns the BBB client's connect and response timeouts.
func (h *Handler) timeouts() (connect, response time.Duration) {
	connect, response = h.settings.ConnectTimeout, h.settings.ResponseTimeout
	if connect <= 0 {
		connect = bbb.DefaultConnectTimeout
	}
	if response <= 0 {
		response = bbb.DefaultResponseTimeout
	}
	return connect, response
}

// callContext bounds a whole API call: its store calls and one call to a
// BBB server, which the client bounds more tightly itself.
func (h *Handler) callContext(r *http.Request) (context.Context, context.CancelFunc) {
	connect, response := h.timeouts()
	return context.WithTimeout(r.Context(), 2*connect+response+storeBudget)
}

// fail answers a call that went wrong: a bbb.Error as it is, anything else
// as internalError with msg after logging the cause (which never holds a
// secret or signed URL). log may be nil before the request was read.
func (h *Handler) fail(w http.ResponseWriter, log *zap.Logger, call string, err error, msg string) error {
	var e bbb.Error
	if errors.As(err, &e) {
		return bbb.WriteError(w, e)
	}
	if log == nil {
		log = h.logger.With(zap.String("call", call))
	}
	if errors.Is(err, context.Canceled) {
		// The client went away: nothing is wrong with the load balancer.
		log.Debug("BBB API call abandoned by the client", zap.Error(err))
	} else {
		log.Error("BBB API call failed", zap.Error(err))
	}
	return bbb.WriteError(w, bbb.InternalError(msg))
}

// requireLive reports errNoLiveStore when the app has no live store yet.
func (h *Handler) requireLive() error {
	if h.live == nil || h.balancer == nil {
		return errNoLiveStore
	}
	return nil
}

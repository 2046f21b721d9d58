package handlers

import (
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/module"
)

// apiPrefix is where BBB serves its API; every call is a path element below it.
const apiPrefix = "/bigbluebutton/api"

// apiRoute is how one BBB API call is answered.
type apiRoute struct {
	// methods the call accepts; any other method gets unsupportedRequest,
	// as Scalelite's catch-all route answers it.
	methods []string
	serve   func(h *Handler, w http.ResponseWriter, r *http.Request) error
}

// The method sets of spec/scalelite.md §1. HEAD is served like GET where
// reading is all a call does, as Rails (and so Scalelite) routes it; calls
// that change state (create, end, join, sendChatMessage) do not take it.
var (
	getOrPost = []string{http.MethodGet, http.MethodHead, http.MethodPost}
	getPost   = []string{http.MethodGet, http.MethodPost}
	getOnly   = []string{http.MethodGet}
	postOnly  = []string{http.MethodPost}
)

// apiRoutes maps a call name (the path element after /bigbluebutton/api/) to
// its route; the index document is the empty name. Each call lives in a file
// named after it and is added here.
var apiRoutes = map[string]apiRoute{
	"":                   {methods: getOrPost, serve: (*Handler).serveIndex},
	"create":             {methods: getPost, serve: (*Handler).serveCreate},
	"join":               {methods: getOnly, serve: (*Handler).serveJoin},
	"end":                {methods: getPost, serve: (*Handler).serveEnd},
	"isMeetingRunning":   {methods: getOrPost, serve: (*Handler).serveIsMeetingRunning},
	"getMeetingInfo":     {methods: getOrPost, serve: (*Handler).serveGetMeetingInfo},
	"getMeetings":        {methods: getOrPost, serve: (*Handler).serveGetMeetingsRoute},
	"insertDocument":     {methods: postOnly, serve: (*Handler).serveInsertDocument},
	"sendChatMessage":    {methods: getOnly, serve: (*Handler).serveSendChatMessage},
	"analytics_callback": {methods: postOnly, serve: (*Handler).serveAnalyticsCallback},
}

// serveGetMeetingsRoute picks getMeetings or its disabled variant by the
// settings of this config load.
func (h *Handler) serveGetMeetingsRoute(w http.ResponseWriter, r *http.Request) error {
	if h.settings.GetMeetingsDisabled {
		return h.serveGetMeetingsDisabled(w, r)
	}
	return h.serveGetMeetings(w, r)
}

// apiCall returns the call name of a BBB API path, and false for a path
// outside the API. One trailing slash is tolerated, as Scalelite does:
// /bigbluebutton/api and /bigbluebutton/api/ are both the index, and
// /bigbluebutton/api/create/ is create.
func apiCall(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, apiPrefix)
	if !ok {
		return "", false
	}
	if rest == "" {
		return "", true
	}
	rest, ok = strings.CutPrefix(rest, "/")
	if !ok {
		// e.g. /bigbluebutton/apidocs: not the API.
		return "", false
	}
	if call := strings.TrimSuffix(rest, "/"); call != "" {
		return call, true
	}
	// "//": not a call name, but inside the API.
	return rest, true
}

// serveAPI dispatches a BBB API call to its route, answering calls that have
// none (or a method the call does not accept) with unsupportedRequest.
// Each answer is counted in the API metrics by call name ("index" for the
// version document, "unsupported" for everything without a route, so a
// client cannot make up label values) and result.
func (h *Handler) serveAPI(w http.ResponseWriter, r *http.Request, call string) error {
	start := time.Now()
	rec := &resultRecorder{ResponseWriter: w}
	route, ok := apiRoutes[call]
	if !ok || !allowsMethod(route.methods, r.Method) {
		if c := h.logger.Check(zapcore.DebugLevel, "unsupported BBB API request"); c != nil {
			c.Write(zap.String("call", call), zap.String("method", r.Method))
		}
		err := bbb.WriteError(rec, bbb.ErrUnsupportedRequest)
		module.ObserveAPICall("unsupported", rec.outcome(err), time.Since(start))
		return err
	}
	err := route.serve(h, rec, r)
	name := call
	if name == "" {
		name = "index"
	}
	module.ObserveAPICall(name, rec.outcome(err), time.Since(start))
	return err
}

func allowsMethod(methods []string, method string) bool {
	for _, m := range methods {
		if m == method {
			return true
		}
	}
	return false
}

package bbbsim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Media types a POST body may have.
var (
	formTypes   = []string{"application/x-www-form-urlencoded", "multipart/form-data"}
	createTypes = append(slices.Clone(formTypes), "application/xml", "text/xml")
	xmlOnly     = []string{"application/xml"}
)

// callSpec describes one API call: the methods its URL mapping allows, the
// body types it accepts, and its handler.
type callSpec struct {
	methods      []string
	contentTypes []string
	handle       func(s *Sim, w http.ResponseWriter, a *apiRequest)
}

// calls is the 3.0 URL map for the calls the simulator implements; anything
// else under the API path is a 404, as on a server without that controller.
var calls = map[string]callSpec{
	"create":           {[]string{http.MethodGet, http.MethodPost}, createTypes, (*Sim).create},
	"join":             {[]string{http.MethodGet}, formTypes, (*Sim).join},
	"end":              {[]string{http.MethodGet, http.MethodPost}, formTypes, (*Sim).end},
	"isMeetingRunning": {[]string{http.MethodGet, http.MethodPost}, formTypes, (*Sim).isMeetingRunning},
	"getMeetingInfo":   {[]string{http.MethodGet, http.MethodPost}, formTypes, (*Sim).getMeetingInfo},
	"getMeetings":      {[]string{http.MethodGet, http.MethodPost}, formTypes, (*Sim).getMeetings},
	"insertDocument":   {[]string{http.MethodPost}, xmlOnly, (*Sim).insertDocument},
	"sendChatMessage":  {[]string{http.MethodGet}, formTypes, (*Sim).sendChatMessage},
}

// apiRequest is an API call after its parameters were read.
type apiRequest struct {
	call      string
	rawQuery  string
	params    url.Values // query and form body merged, as received
	body      []byte
	mediaType string // of a present body; "" without one
	hasBody   bool
	serverURL string
}

// raw returns the first value of a parameter as received.
func (a *apiRequest) raw(name string) string { return a.params.Get(name) }

// get returns the first value of a parameter sanitised as bbb-web does:
// control characters stripped, surrounding space trimmed.
func (a *apiRequest) get(name string) string { return sanitize(a.params.Get(name)) }

// has reports whether a parameter is present with a non-empty value.
func (a *apiRequest) has(name string) bool { return a.get(name) != "" }

func sanitize(v string) string {
	v = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, v)
	return strings.TrimSpace(v)
}

// ServeHTTP answers one request to the BBB API.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "bbbsim: closed", http.StatusServiceUnavailable)
		return
	}
	fault, slow := s.fault, s.slow
	s.inflight.Add(1)
	s.mu.Unlock()
	defer s.inflight.Done()

	if fault == Down {
		// Only reachable when mounted elsewhere (our own listener is
		// closed): drop the connection, the nearest thing to a refusal.
		panic(http.ErrAbortHandler)
	}

	call, inAPI := callName(r.URL.Path)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		http.Error(w, fmt.Sprintf("bbbsim: read body: %v", err), http.StatusBadRequest)
		return
	}
	if len(body) > maxBody {
		http.Error(w, "bbbsim: body too large", http.StatusRequestEntityTooLarge)
		return
	}
	s.logRequest(Request{
		Call:        call,
		Method:      r.Method,
		RawQuery:    r.URL.RawQuery,
		ContentType: r.Header.Get("Content-Type"),
		Body:        body,
		Time:        time.Now(),
	})
	if s.applyFault(w, r, fault, slow) {
		return
	}
	if !inAPI {
		http.NotFound(w, r)
		return
	}
	s.route(w, r, call, body)
}

// callName returns the call for an API path: "" for the index, the path tail
// for a call. Paths outside the API come back whole with ok false.
func callName(path string) (call string, ok bool) {
	if path == APIPath || path == APIPath+"/" {
		return "", true
	}
	if tail, found := strings.CutPrefix(path, APIPath+"/"); found {
		return tail, true
	}
	return path, false
}

func (s *Sim) route(w http.ResponseWriter, r *http.Request, call string, body []byte) {
	if call == "" {
		if r.Method != http.MethodGet {
			methodNotAllowed(w, http.MethodGet)
			return
		}
		s.index(w, s.serverURL(r))
		return
	}
	spec, ok := calls[call]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if !slices.Contains(spec.methods, r.Method) {
		methodNotAllowed(w, spec.methods...)
		return
	}

	a := &apiRequest{
		call:      call,
		rawQuery:  r.URL.RawQuery,
		body:      body,
		hasBody:   r.ContentLength > 0 || len(r.TransferEncoding) > 0,
		serverURL: s.serverURL(r),
	}
	if a.hasBody {
		a.mediaType, _, _ = mime.ParseMediaType(r.Header.Get("Content-Type"))
	}
	fail := writeFailed
	if call == "join" {
		fail = func(w http.ResponseWriter, e apiError) { s.joinError(w, a, e) }
	}
	params, err := readParams(r, a)
	if err != nil {
		// A body that claims a form type but does not parse is as good as
		// an unsupported one.
		fail(w, errContentType)
		return
	}
	a.params = params

	// Checksum first (its own validation group in bbb-web), then the
	// content type, then the call's own parameters.
	if e, bad := s.checkChecksum(a); bad {
		fail(w, e)
		return
	}
	if a.hasBody && !slices.Contains(spec.contentTypes, a.mediaType) {
		fail(w, errContentType)
		return
	}
	spec.handle(s, w, a)
}

// readParams merges the query with a form body. Only form bodies carry
// parameters; an XML body is kept as it is.
func readParams(r *http.Request, a *apiRequest) (url.Values, error) {
	// A malformed escape drops that pair only, as servlet containers do.
	params, _ := url.ParseQuery(a.rawQuery)
	if !a.hasBody || len(a.body) == 0 {
		return params, nil
	}
	var form url.Values
	switch a.mediaType {
	case "application/x-www-form-urlencoded":
		var err error
		if form, err = url.ParseQuery(string(a.body)); err != nil {
			return nil, fmt.Errorf("parse form body: %w", err)
		}
	case "multipart/form-data":
		_, mp, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mp["boundary"] == "" {
			return nil, errors.New("multipart body without boundary")
		}
		mf, err := multipart.NewReader(bytes.NewReader(a.body), mp["boundary"]).ReadForm(maxBody)
		if err != nil {
			return nil, fmt.Errorf("parse multipart body: %w", err)
		}
		form = mf.Value
		if err := mf.RemoveAll(); err != nil {
			return nil, fmt.Errorf("remove multipart files: %w", err)
		}
	}
	for k, vs := range form {
		params[k] = append(params[k], vs...)
	}
	return params, nil
}

// checkChecksum verifies the request's checksum over the raw URL query with
// the simulator's secret, as bbb-web 3.0 does: a form body is never signed.
func (s *Sim) checkChecksum(a *apiRequest) (apiError, bool) {
	if s.opts.Secret == "" {
		return apiError{}, false
	}
	sums := a.params["checksum"]
	switch {
	case len(sums) == 0 || sums[0] == "":
		return errChecksumMissing, true
	case len(sums) > 1:
		// Newer bbb-web refuses a repeated checksum, which the string
		// removal would otherwise let through.
		return errChecksum, true
	}
	if _, err := s.verifier.Verify(a.call, a.rawQuery, sums[0], []string{s.opts.Secret}); err != nil {
		return errChecksum, true
	}
	return apiError{}, false
}

// serverURL is the base URL clients reach this server at.
func (s *Sim) serverURL(r *http.Request) string {
	if s.opts.ServerURL != "" {
		return strings.TrimSuffix(s.opts.ServerURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func methodNotAllowed(w http.ResponseWriter, allowed ...string) {
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
}

// index answers the version document; it needs no checksum.
func (s *Sim) index(w http.ResponseWriter, serverURL string) {
	ws := "ws" + strings.TrimPrefix(serverURL, "http")
	writeXML(w, versionDoc{
		ReturnCode:          returnSuccess,
		Version:             "2.0",
		APIVersion:          "2.0",
		BBBVersion:          s.opts.Version,
		GraphqlWebsocketURL: ws + "/graphql",
		GraphqlAPIURL:       serverURL + "/api/rest",
	})
}

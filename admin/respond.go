package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/pool"
	"github.com/caddy-bbb/caddy-bbb/store"
)

const (
	// maxBodyBytes caps a request body; a servers document for a pool of a
	// few thousand servers stays well below it.
	maxBodyBytes = 4 << 20
	// requestTimeout bounds the store work of one admin request; end calls
	// to BBB servers have their own bound in the pool.
	requestTimeout = 60 * time.Second
)

// poolHandler is an admin route that works on the pool of the running app.
type poolHandler func(w http.ResponseWriter, r *http.Request, p *pool.Pool) error

// withPool resolves the running app like withApp and hands the route a pool
// over its live store, with the request bounded by requestTimeout.
func (a *Admin) withPool(next poolHandler) caddy.AdminHandler {
	return a.withApp(func(w http.ResponseWriter, r *http.Request, app *module.App) error {
		p, err := a.pool(app)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
		defer cancel()
		return next(w, r.WithContext(ctx), p)
	})
}

// pool returns a pool over the app's live store, or a 503 error while the
// app has none.
func (a *Admin) pool(app *module.App) (*pool.Pool, error) {
	live := app.Live()
	if live == nil {
		return nil, apiErrorf(http.StatusServiceUnavailable, "the bbb app has no live store")
	}
	cfg := pool.Config{ServerIDIsHostname: app.Settings().ServerIDIsHostname}
	return pool.New(live, app.Client(), cfg, a.logger), nil
}

// poolError turns an error of the pool into the admin API's answer: 400 for
// an invalid request, 404 for an unknown id, 409 for a conflict, 500 for
// anything else.
func poolError(err error) error {
	var status int
	switch {
	case pool.IsInvalid(err):
		status = http.StatusBadRequest
	case errors.Is(err, store.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, store.ErrConflict):
		status = http.StatusConflict
	default:
		status = http.StatusInternalServerError
	}
	return apiError(status, err)
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return apiError(http.StatusInternalServerError, fmt.Errorf("encode response: %w", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(body, '\n'))
	// The status is sent: a failed write can only be logged by Caddy.
	return err
}

// readBody reads a request body of at most maxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, apiErrorf(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", tooBig.Limit)
	}
	if err != nil {
		return nil, apiErrorf(http.StatusBadRequest, "read request body: %v", err)
	}
	return body, nil
}

// decodeJSON reads a JSON request body into v, refusing fields v does not
// have and anything after the value. With optional, an empty body leaves v
// as it is.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return apiErrorf(http.StatusUnsupportedMediaType, "unsupported content type %q: want application/json", ct)
		}
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	if optional && len(body) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apiErrorf(http.StatusBadRequest, "invalid JSON body: %v", err)
	}
	if dec.More() {
		return apiErrorf(http.StatusBadRequest, "invalid JSON body: more than one value")
	}
	return nil
}

// queryBool reads a boolean query parameter; absent is false.
func queryBool(r *http.Request, name string) (bool, error) {
	switch v := r.URL.Query().Get(name); v {
	case "", "false", "0", "no":
		return false, nil
	case "true", "1", "yes":
		return true, nil
	default:
		return false, apiErrorf(http.StatusBadRequest, "invalid %s %q: want true or false", name, v)
	}
}

package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/pool"
	"github.com/caddy-bbb/caddy-bbb/recordings"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// recordingNotFoundPage is the built-in answer to a recording that cannot be
// played, worded as Scalelite's so users see the same page.
const recordingNotFoundPage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Recording Not Found</title></head>
<body>
<h1>Recording Not Found</h1>
<p>The recording URL is invalid. This recording may have been either protected or deleted.</p>
</body>
</html>
`

// maxNotFoundPage caps an operator's replacement page.
const maxNotFoundPage = 1 << 20

// inlineFormats are played in the browser; other formats' files (podcast
// audio, notes, …) are sent as attachments, as Scalelite does, so a file
// from a recording is never rendered as a page of the load balancer's site.
var inlineFormats = []string{"presentation", "video", "screenshare"}

// playbackState is what the playback paths keep for the life of a handler
// (one config load). Its zero value is ready to use.
type playbackState struct {
	mu sync.Mutex
	// cookieSecret is set once known; read without the lock on every
	// protected request.
	cookieSecret atomic.Pointer[string]
	// notFound is the 404 page, read once.
	notFound []byte
}

// servePlayback answers the playback paths of DESIGN §4 and reports whether
// the path was one of them:
//   - /recording/<recordID>/<format>?token=… exchanges a one-time token for
//     the cookie of a protected recording and redirects to the player;
//   - /<format>/<recordID>/… (format in playback_formats) is let through to
//     the next handler only for a published recording of the caller's
//     tenant and, when it is protected, with its cookie.
//
// With recordings disabled these paths are not the handler's, as in
// Scalelite, where the playback routes do not exist then.
func (h *Handler) servePlayback(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) (bool, error) {
	rs := &h.settings.Recordings
	if rs.Disabled || !strings.HasPrefix(r.URL.Path, "/") {
		return false, nil
	}
	// Decide on the path the file server will serve: it cleans the path
	// too, so /presentation/a/../../video/b must be guarded as video/b.
	clean := path.Clean(r.URL.Path)
	first, rest, _ := strings.Cut(clean[1:], "/")
	if first == "recording" {
		recordID, format, ok := strings.Cut(rest, "/")
		if !ok || recordID == "" || format == "" || strings.Contains(format, "/") {
			return false, nil
		}
		return true, h.servePlay(w, r, recordID, format)
	}
	if first == "" || !slices.Contains(rs.PlaybackFormats, first) {
		return false, nil
	}
	recordID, _, _ := strings.Cut(rest, "/")
	return true, h.guardPlayback(w, r, next, first, recordID)
}

// servePlay redeems the token of a protected recording for its cookie, then
// redirects to the stored player URL; an unprotected recording is simply
// redirected (spec/scalelite.md §9.1).
func (h *Handler) servePlay(w http.ResponseWriter, r *http.Request, recordID, format string) error {
	ctx, cancel := context.WithTimeout(r.Context(), storeBudget)
	defer cancel()
	log := h.logger.With(zap.String("recording", recordID), zap.String("format", format))
	rec, pf, ok, err := h.playableRecording(ctx, r, recordID, format)
	if err != nil {
		return playbackError(log, err)
	}
	if !ok || pf.URL == "" {
		return h.writeRecordingNotFound(w)
	}
	if h.protects(rec) {
		tokens := recordings.Tokens{Live: h.live}
		err := tokens.Redeem(ctx, r.URL.Query().Get("token"), recordID, format)
		if errors.Is(err, recordings.ErrInvalidToken) {
			log.Debug("playback token refused", zap.Error(err))
			return h.writeRecordingNotFound(w)
		}
		if err != nil {
			return playbackError(log, err)
		}
		cookies, err := h.playbackCookies(ctx)
		if err != nil {
			return playbackError(log, err)
		}
		cookie, err := cookies.Issue(format, recordID, time.Now(), requestIsTLS(r), r.UserAgent())
		if err != nil {
			return playbackError(log, err)
		}
		http.SetCookie(w, cookie)
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", pf.URL)
	w.WriteHeader(http.StatusTemporaryRedirect)
	return nil
}

// guardPlayback lets a request for a recording's files through to the next
// handler only when the recording may be played by this caller
// (spec/scalelite.md §9.2).
func (h *Handler) guardPlayback(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, format, recordID string) error {
	if recordID == "" {
		// /<format> itself would list or serve every recording's folder.
		return h.writeRecordingNotFound(w)
	}
	// The store calls are bounded; serving the file is not, since a video
	// may take long to download.
	ctx, cancel := context.WithTimeout(r.Context(), storeBudget)
	defer cancel()
	log := h.logger.With(zap.String("recording", recordID), zap.String("format", format))
	rec, _, ok, err := h.playableRecording(ctx, r, recordID, format)
	if err != nil {
		return playbackError(log, err)
	}
	if !ok {
		return h.writeRecordingNotFound(w)
	}
	if h.protects(rec) {
		cookie, err := r.Cookie(recordings.CookieName(format, recordID))
		if err != nil {
			return h.writeRecordingNotFound(w)
		}
		cookies, err := h.playbackCookies(ctx)
		if err != nil {
			return playbackError(log, err)
		}
		if err := cookies.Verify(cookie.Value, format, recordID, time.Now()); err != nil {
			log.Debug("playback cookie refused", zap.Error(err))
			return h.writeRecordingNotFound(w)
		}
		// Only this browser may see it: no shared cache may keep it.
		w.Header().Set("Cache-Control", "private")
	}
	cancel()
	if !slices.Contains(inlineFormats, format) {
		w.Header().Set("Content-Disposition", "attachment")
	}
	return next.ServeHTTP(w, r)
}

// playableRecording finds a recording with the given format that is
// published and belongs to the caller's tenant. ok is false when there is
// none; err is a store failure.
func (h *Handler) playableRecording(ctx context.Context, r *http.Request, recordID, format string) (store.Recording, store.PlaybackFormat, bool, error) {
	if h.recordings == nil {
		return store.Recording{}, store.PlaybackFormat{}, false, errNoRecordingStore
	}
	tenant, ok, err := h.playbackTenant(ctx, r)
	if err != nil || !ok {
		return store.Recording{}, store.PlaybackFormat{}, false, err
	}
	rec, err := h.recordings.Recording(ctx, recordID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Recording{}, store.PlaybackFormat{}, false, nil
	}
	if err != nil {
		return store.Recording{}, store.PlaybackFormat{}, false, fmt.Errorf("look up recording: %w", err)
	}
	if !rec.Published || rec.State == "deleted" {
		return store.Recording{}, store.PlaybackFormat{}, false, nil
	}
	if h.settings.Multitenancy != "" && rec.Tenant() != tenant {
		return store.Recording{}, store.PlaybackFormat{}, false, nil
	}
	for _, pf := range rec.Formats {
		if pf.Format == format {
			return rec, pf, true, nil
		}
	}
	return store.Recording{}, store.PlaybackFormat{}, false, nil
}

// playbackTenant returns the caller's tenant id under multitenancy; ok is
// false for a host that names no tenant. Without multitenancy every
// recording is everyone's, as in Scalelite.
func (h *Handler) playbackTenant(ctx context.Context, r *http.Request) (string, bool, error) {
	base := h.settings.Multitenancy
	if base == "" {
		return "", true, nil
	}
	name, ok := pool.TenantNameFromHost(r.Host, base)
	if !ok {
		return "", false, nil
	}
	if h.live == nil {
		return "", false, errNoLiveStore
	}
	t, err := h.live.TenantByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("look up tenant %q: %w", name, err)
	}
	return t.ID, true, nil
}

// protects reports whether rec needs a token and cookie: it is protected and
// protected recordings are enabled, as getRecordings decides which URL to
// hand out.
func (h *Handler) protects(rec store.Recording) bool {
	return rec.Protected && h.settings.Recordings.Protected
}

// playbackCookies returns the cookie issuer of this config load. The secret
// is fetched from the live store once, then kept.
func (h *Handler) playbackCookies(ctx context.Context) (recordings.Cookies, error) {
	c := recordings.Cookies{Lifetime: h.settings.Recordings.CookieTimeout}
	if s := h.playback.cookieSecret.Load(); s != nil {
		c.Secret = *s
		return c, nil
	}
	h.playback.mu.Lock()
	defer h.playback.mu.Unlock()
	if s := h.playback.cookieSecret.Load(); s != nil {
		c.Secret = *s
		return c, nil
	}
	secret, err := recordings.CookieSecret(ctx, h.live, h.settings.Recordings.CookieSecret)
	if err != nil {
		return c, err
	}
	h.playback.cookieSecret.Store(&secret)
	c.Secret = secret
	return c, nil
}

// writeRecordingNotFound answers 404 with the not-found page. It is never
// cached, so a recording published a moment later plays at once.
func (h *Handler) writeRecordingNotFound(w http.ResponseWriter) error {
	page := h.notFoundPage()
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	hdr.Del("Content-Disposition")
	w.WriteHeader(http.StatusNotFound)
	if _, err := w.Write(page); err != nil {
		return fmt.Errorf("write not-found page: %w", err)
	}
	return nil
}

// notFoundPage returns the operator's page (recordings not_found_page) or
// the built-in one. The file is read once per config load; if it cannot be
// read, the built-in page is used and the reason logged once.
func (h *Handler) notFoundPage() []byte {
	h.playback.mu.Lock()
	defer h.playback.mu.Unlock()
	if h.playback.notFound != nil {
		return h.playback.notFound
	}
	page := []byte(recordingNotFoundPage)
	if name := h.settings.Recordings.NotFoundPage; name != "" {
		custom, err := readNotFoundPage(name)
		if err != nil {
			h.logger.Error("recording not-found page unreadable: using the built-in one", zap.Error(err))
		} else {
			page = custom
		}
	}
	h.playback.notFound = page
	return page
}

func readNotFoundPage(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	page, err := io.ReadAll(io.LimitReader(f, maxNotFoundPage+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(page) > maxNotFoundPage {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, maxNotFoundPage)
	}
	return page, nil
}

// playbackError turns a failure of the stores into Caddy's error handling:
// the viewer gets a 503 and may retry, which a 404 would discourage.
func playbackError(log *zap.Logger, err error) error {
	log.Error("playback check failed", zap.Error(err))
	return caddyhttp.Error(http.StatusServiceUnavailable, err)
}

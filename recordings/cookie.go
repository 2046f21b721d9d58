package recordings

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// DefaultCookieTimeout is how long a playback cookie stays valid when no
// timeout is configured (Scalelite's PROTECTED_RECORDINGS_TIMEOUT).
const DefaultCookieTimeout = 6 * time.Hour

// CookieSecretKey is the live-store key of the generated cookie secret.
const CookieSecretKey = "cookie_secret"

// ErrInvalidCookie means a playback cookie is missing, forged, expired or
// issued for another recording or format.
var ErrInvalidCookie = errors.New("invalid playback cookie")

// CookieName is the name of the cookie that opens one format of a
// recording: recording_<format>_<recordID>.
func CookieName(format, recordID string) string {
	return "recording_" + format + "_" + recordID
}

// CookiePath is the path the cookie is sent for, and its JWT subject: the
// files of one format of one recording.
func CookiePath(format, recordID string) string {
	return "/" + format + "/" + recordID
}

// Cookies issues and checks playback cookies: an HS256 JWT with the subject
// /<format>/<recordID> and an expiry (spec/scalelite.md §9.3).
type Cookies struct {
	// Secret signs the JWTs; never empty (see CookieSecret).
	Secret string
	// Lifetime of a cookie's JWT; DefaultCookieTimeout when <= 0. The cookie
	// itself is a session cookie: the browser forgets it on exit.
	Lifetime time.Duration
}

// claims are a playback cookie's JWT claims.
type claims struct {
	Sub string `json:"sub"`
	Exp int64  `json:"exp"`
}

// Issue returns the cookie for one format of a recording. secure says the
// request came over TLS; userAgent decides whether SameSite=None is safe to
// send.
func (c Cookies) Issue(format, recordID string, now time.Time, secure bool, userAgent string) (*http.Cookie, error) {
	if c.Secret == "" {
		return nil, errors.New("issue playback cookie: no secret")
	}
	lifetime := c.Lifetime
	if lifetime <= 0 {
		lifetime = DefaultCookieTimeout
	}
	path := CookiePath(format, recordID)
	value, err := bbb.SignJWT(bbb.HS256, claims{Sub: path, Exp: now.Add(lifetime).Unix()}, c.Secret)
	if err != nil {
		return nil, fmt.Errorf("sign playback cookie: %w", err)
	}
	cookie := &http.Cookie{
		Name:     CookieName(format, recordID),
		Value:    value,
		Path:     path,
		Secure:   secure,
		HttpOnly: true,
	}
	// The player may be embedded in a front-end on another site, so the
	// cookie must cross sites. Browsers drop a SameSite=None cookie that is
	// not Secure, and some older ones drop (or misread) any SameSite=None
	// cookie; those get no SameSite attribute, which they treat as None.
	if secure && !sameSiteNoneIncompatible(userAgent) {
		cookie.SameSite = http.SameSiteNoneMode
	}
	if err := cookie.Valid(); err != nil {
		return nil, fmt.Errorf("playback cookie for %s: %w", path, err)
	}
	return cookie, nil
}

// Verify checks a cookie value against one format of a recording: the
// signature, the expiry, and that the subject is exactly this recording and
// format, so a cookie for one recording never opens another.
func (c Cookies) Verify(value, format, recordID string, now time.Time) error {
	if c.Secret == "" {
		return errors.New("verify playback cookie: no secret")
	}
	got, err := bbb.VerifyJWT(value, bbb.HS256, []string{c.Secret}, now)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidCookie, err)
	}
	if _, ok := got["exp"]; !ok {
		// VerifyJWT checks exp only when present; a cookie must expire.
		return fmt.Errorf("%w: no expiry", ErrInvalidCookie)
	}
	if sub, _ := got["sub"].(string); sub != CookiePath(format, recordID) {
		return fmt.Errorf("%w: issued for another recording or format", ErrInvalidCookie)
	}
	return nil
}

// CookieSecret returns the configured cookie secret or, when none is
// configured, the one generated for the cluster: the first node to ask
// stores a random one in the live store, and every node then reads that one,
// so a cookie set by one node is accepted by all.
func CookieSecret(ctx context.Context, live store.Live, configured string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	if live == nil {
		return "", errors.New("cookie secret: no live store")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate cookie secret: %w", err)
	}
	secret, err := live.LoadOrStoreValue(ctx, CookieSecretKey, hex.EncodeToString(b))
	if err != nil {
		return "", fmt.Errorf("load cookie secret: %w", err)
	}
	if secret == "" {
		return "", errors.New("cookie secret: the live store holds an empty one")
	}
	return secret, nil
}

// User agents that reject or misread SameSite=None (the list of known
// incompatible clients published with Chrome's SameSite change).
var (
	iosMajor       = regexp.MustCompile(`\(iP(?:hone|ad|od)[^)]*; CPU [^)]*OS (\d+)_`)
	macOSVersion   = regexp.MustCompile(`\(Macintosh;[^)]*Mac OS X (\d+)_(\d+)`)
	macSafari      = regexp.MustCompile(`Version/[\d.]+(?: Mobile/\w+)? Safari/`)
	macEmbedded    = regexp.MustCompile(`^Mozilla/[\d.]+ \(Macintosh;[^)]*Mac OS X [\d_]+\) AppleWebKit/[\d.]+ \(KHTML, like Gecko\)$`)
	chromiumMajor  = regexp.MustCompile(`Chrom(?:e|ium)/(\d+)\.`)
	ucBrowserMajor = regexp.MustCompile(`UCBrowser/(\d+)\.(\d+)\.(\d+)`)
)

// sameSiteNoneIncompatible reports whether a browser mishandles
// SameSite=None: iOS 12, Safari or embedded WebKit on macOS 10.14, Chromium
// 51 to 66 and UC Browser before 12.13.2.
func sameSiteNoneIncompatible(ua string) bool {
	if m := iosMajor.FindStringSubmatch(ua); m != nil && m[1] == "12" {
		return true
	}
	if m := macOSVersion.FindStringSubmatch(ua); m != nil && m[1] == "10" && m[2] == "14" {
		if macEmbedded.MatchString(ua) || (macSafari.MatchString(ua) && !chromiumMajor.MatchString(ua)) {
			return true
		}
	}
	if m := ucBrowserMajor.FindStringSubmatch(ua); m != nil && versionBefore(m[1:], []int{12, 13, 2}) {
		return true
	}
	if m := chromiumMajor.FindStringSubmatch(ua); m != nil {
		major, err := strconv.Atoi(m[1])
		return err == nil && major >= 51 && major <= 66
	}
	return false
}

// versionBefore reports whether the dotted version parts come before want.
func versionBefore(parts []string, want []int) bool {
	for i, w := range want {
		n, err := strconv.Atoi(parts[i])
		if err != nil {
			return false
		}
		if n != w {
			return n < w
		}
	}
	return false
}

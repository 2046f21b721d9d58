package recordings

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

const (
	firefoxUA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	chrome120 = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)

// noSameSite is a cookie without the SameSite attribute.
const noSameSite http.SameSite = 0

func TestCookiesIssue(t *testing.T) {
	c := Cookies{Secret: "cookie-secret-0123456789", Lifetime: time.Hour}
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name         string
		secure       bool
		ua           string
		wantSameSite http.SameSite
	}{
		{"https", true, firefoxUA, http.SameSiteNoneMode},
		{"plain http: no SameSite=None without Secure", false, firefoxUA, noSameSite},
		{"incompatible browser", true, "Mozilla/5.0 (iPhone; CPU iPhone OS 12_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1.2 Mobile/15E148 Safari/604.1", noSameSite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cookie, err := c.Issue("presentation", "rec-1", now, tt.secure, tt.ua)
			if err != nil {
				t.Fatal(err)
			}
			if cookie.Name != "recording_presentation_rec-1" || cookie.Path != "/presentation/rec-1" ||
				!cookie.HttpOnly || cookie.Secure != tt.secure || cookie.SameSite != tt.wantSameSite {
				t.Errorf("cookie %+v", cookie)
			}
			if !cookie.Expires.IsZero() || cookie.MaxAge != 0 {
				t.Errorf("cookie %+v is not a session cookie", cookie)
			}
			claims, err := bbb.VerifyJWT(cookie.Value, bbb.HS256, []string{c.Secret}, now)
			if err != nil {
				t.Fatal(err)
			}
			if claims["sub"] != "/presentation/rec-1" || claims["exp"] != float64(now.Add(time.Hour).Unix()) {
				t.Errorf("claims %v", claims)
			}
		})
	}
	if _, err := (Cookies{}).Issue("presentation", "rec-1", now, true, ""); err == nil {
		t.Error("Issue without a secret succeeded")
	}
}

func TestCookiesVerify(t *testing.T) {
	c := Cookies{Secret: "cookie-secret-0123456789"} // default lifetime
	now := time.Unix(1_700_000_000, 0)
	issue := func(format, recordID string) string {
		cookie, err := c.Issue(format, recordID, now, true, "")
		if err != nil {
			t.Fatal(err)
		}
		return cookie.Value
	}
	valid := issue("presentation", "rec-1")
	noExp, err := bbb.SignJWT(bbb.HS256, map[string]string{"sub": "/presentation/rec-1"}, c.Secret)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := Cookies{Secret: "another-secret-0123456789"}.Issue("presentation", "rec-1", now, true, "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		value    string
		format   string
		recordID string
		at       time.Time
		wantErr  bool
	}{
		{"valid", valid, "presentation", "rec-1", now, false},
		{"just before expiry", valid, "presentation", "rec-1", now.Add(DefaultCookieTimeout - time.Second), false},
		{"expired", valid, "presentation", "rec-1", now.Add(DefaultCookieTimeout), true},
		{"another recording", valid, "presentation", "rec-2", now, true},
		{"another format", valid, "video", "rec-1", now, true},
		{"recording id prefix", issue("presentation", "rec-1"), "presentation", "rec-10", now, true},
		{"another key", otherKey.Value, "presentation", "rec-1", now, true},
		{"no expiry", noExp, "presentation", "rec-1", now, true},
		{"garbage", "x.y.z", "presentation", "rec-1", now, true},
		{"tampered", valid[:len(valid)-2] + "AA", "presentation", "rec-1", now, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Verify(tt.value, tt.format, tt.recordID, tt.at)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Verify = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrInvalidCookie) {
				t.Errorf("Verify = %v, want ErrInvalidCookie", err)
			}
		})
	}
}

func TestSameSiteNoneIncompatible(t *testing.T) {
	tests := []struct {
		ua   string
		want bool
	}{
		{firefoxUA, false},
		{chrome120, false},
		{"", false},
		// iOS 12, whatever the browser.
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 12_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1.2 Mobile/15E148 Safari/604.1", true},
		{"Mozilla/5.0 (iPad; CPU OS 12_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/71.0.3578.77 Mobile/15E148 Safari/605.1", true},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 13_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0.3 Mobile/15E148 Safari/604.1", false},
		// macOS 10.14: Safari and embedded WebKit, not Chrome.
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1.2 Safari/605.1.15", true},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/605.1.15 (KHTML, like Gecko)", true},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/80.0.3987.87 Safari/537.36", false},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.0 Safari/605.1.15", false},
		// Chromium 51 to 66.
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/51.0.2704.103 Safari/537.36", true},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chromium/66.0.3359.139 Safari/537.36", true},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/50.0.2661.102 Safari/537.36", false},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/67.0.3396.87 Safari/537.36", false},
		// UC Browser before 12.13.2.
		{"Mozilla/5.0 (Linux; U; Android 8.1.0; en-US; Nexus 6P Build/OPM7.181205.001) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/78.0.3904.108 UCBrowser/12.13.0.1207 Mobile Safari/537.36", true},
		{"Mozilla/5.0 (Linux; U; Android 8.1.0; en-US; Nexus 6P Build/OPM7.181205.001) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/78.0.3904.108 UCBrowser/12.13.2.1208 Mobile Safari/537.36", false},
		{"Mozilla/5.0 (Linux; U; Android 8.1.0; en-US) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/78.0.3904.108 UCBrowser/13.0.0.1288 Mobile Safari/537.36", false},
	}
	for _, tt := range tests {
		if got := sameSiteNoneIncompatible(tt.ua); got != tt.want {
			t.Errorf("sameSiteNoneIncompatible(%q) = %v, want %v", tt.ua, got, tt.want)
		}
	}
}

func TestCookieSecret(t *testing.T) { liveStores(t, testCookieSecret) }

func testCookieSecret(t *testing.T, live store.Live) {
	ctx := testContext(t)
	got, err := CookieSecret(ctx, live, "configured-secret")
	if err != nil || got != "configured-secret" {
		t.Fatalf("configured: %q, %v", got, err)
	}
	first, err := CookieSecret(ctx, live, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 64 || strings.Trim(first, "0123456789abcdef") != "" {
		t.Errorf("generated secret %q is not 32 bytes of hex", first)
	}
	// Every later call, as another node would, gets the same one.
	for range 3 {
		again, err := CookieSecret(ctx, live, "")
		if err != nil || again != first {
			t.Fatalf("second call: %q, %v; want the stored secret", again, err)
		}
	}
	if _, err := CookieSecret(ctx, nil, ""); err == nil {
		t.Error("no live store and no secret: no error")
	}
}

package handlers

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/recordings"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// wantNotFound asserts the recording-not-found page, not served by next.
func wantNotFound(t *testing.T, rec *httptest.ResponseRecorder, what string) {
	t.Helper()
	if rec.Code != http.StatusNotFound || rec.Header().Get(servedByNext) != "" ||
		!strings.Contains(rec.Body.String(), "<title>Recording Not Found</title>") ||
		rec.Header().Get("Content-Type") != "text/html; charset=utf-8" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("%s: %d %v %s, want the not-found page", what, rec.Code, rec.Header(), rec.Body)
	}
}

// wantServed asserts that next served the file with body.
func wantServed(t *testing.T, rec *httptest.ResponseRecorder, body, what string) {
	t.Helper()
	if rec.Code != http.StatusOK || rec.Header().Get(servedByNext) != "yes" || rec.Body.String() != body {
		t.Errorf("%s: %d %q, want %q from the next handler", what, rec.Code, rec.Body, body)
	}
}

func TestPlaybackGuard(t *testing.T) {
	e := newRecEnv(t, nil)
	e.addRecording(store.Recording{RecordID: "r1", Published: true, StartTime: t0,
		Formats: []store.PlaybackFormat{format("presentation"), format("podcast")}})
	e.addRecording(store.Recording{RecordID: "r2", Published: false, StartTime: t0, Formats: []store.PlaybackFormat{format("presentation")}})
	// Files the guard must keep from the file server.
	e.writeFile(e.publishDir, "presentation/r2/metadata.xml", "unpublished r2")
	e.writeFile(e.publishDir, "video/r1/metadata.xml", "a format r1 does not have")
	e.writeFile(e.publishDir, "presentation/gone/metadata.xml", "not in the store")
	e.writeFile(e.publishDir, "custom/r2/file.txt", "not a playback format")

	rec := e.fetch("", "/presentation/r1/metadata.xml")
	wantServed(t, rec, "presentation of r1", "published presentation")
	if rec.Header().Get("Content-Disposition") != "" || rec.Header().Get("Cache-Control") == "private" {
		t.Errorf("presentation headers %v", rec.Header())
	}
	rec = e.fetch("", "/podcast/r1/metadata.xml")
	wantServed(t, rec, "podcast of r1", "published podcast")
	if rec.Header().Get("Content-Disposition") != "attachment" {
		t.Errorf("podcast served inline: %v", rec.Header())
	}
	for _, target := range []string{
		"/presentation/r2/metadata.xml",
		"/video/r1/metadata.xml",
		"/presentation/gone/metadata.xml",
		"/presentation/r1/../r2/metadata.xml",
		"/presentation/r1/../../presentation/r2/metadata.xml",
		"/podcast/../presentation/r2/metadata.xml",
		"//presentation//r2/metadata.xml",
		"/presentation/r2",
		"/presentation/",
		"/presentation",
	} {
		wantNotFound(t, e.fetch("", target), target)
	}
	// Other paths are not the guard's.
	for _, target := range []string{"/custom/r2/file.txt", "/playback/presentation/2.3/r1", "/recording/r1", "/recording/r1/presentation/extra", "/"} {
		if rec := e.fetch("", target); rec.Header().Get(servedByNext) != "yes" {
			t.Errorf("%s not passed on: %d %s", target, rec.Code, rec.Body)
		}
	}
}

func TestPlaybackPlay(t *testing.T) {
	e := newRecEnv(t, nil)
	e.addRecording(store.Recording{RecordID: "r1", Published: true, StartTime: t0,
		Formats: []store.PlaybackFormat{{Format: "presentation", URL: "/playback/presentation/2.3/r1?from=lb"}}})
	e.addRecording(store.Recording{RecordID: "r2", Published: false, StartTime: t0, Formats: []store.PlaybackFormat{format("presentation")}})
	for _, target := range []string{"/recording/r1/presentation", "/recording/r1/presentation/", "/recording/r1/presentation?token=ignored"} {
		rec := e.fetch("", target)
		if rec.Code != http.StatusTemporaryRedirect || rec.Header().Get("Location") != "/playback/presentation/2.3/r1?from=lb" ||
			rec.Header().Get("Set-Cookie") != "" {
			t.Errorf("%s: %d %v", target, rec.Code, rec.Header())
		}
	}
	for _, target := range []string{"/recording/r2/presentation", "/recording/r1/video", "/recording/nope/presentation"} {
		wantNotFound(t, e.fetch("", target), target)
	}
}

// playURL returns the path and query of the getRecordings URL of one format
// of a recording.
func (e *recEnv) playURL(host, recordID, format string) string {
	e.t.Helper()
	d := e.getRecordings(host, "recordID="+recordID)
	for _, r := range d.Recordings.Recordings {
		for _, f := range r.Playback.Formats {
			if r.RecordID == recordID && f.Type == format {
				u, err := url.Parse(f.URL)
				if err != nil {
					e.t.Fatal(err)
				}
				if f.Preview != nil {
					e.t.Errorf("previews of protected %s shown", recordID)
				}
				return u.RequestURI()
			}
		}
	}
	e.t.Fatalf("no %s URL for %s in %+v", format, recordID, d)
	return ""
}

// play follows a token URL and returns the cookie it sets.
func (e *recEnv) play(host, target string) *http.Cookie {
	e.t.Helper()
	rec := e.fetch(host, target)
	cookies := rec.Result().Cookies()
	if rec.Code != http.StatusTemporaryRedirect || len(cookies) != 1 {
		e.t.Fatalf("%s: %d %v %s", target, rec.Code, rec.Header(), rec.Body)
	}
	return cookies[0]
}

func TestPlaybackProtected(t *testing.T) {
	tests := []struct {
		name       string
		secret     string // configured cookie secret, "" = generated
		secretFrom func(e *recEnv) string
	}{
		{"configured secret", "configured-cookie-secret", nil},
		{"generated secret", "", func(e *recEnv) string {
			s, err := e.live.LoadOrStoreValue(ctx(e.t), recordings.CookieSecretKey, "not this one")
			if err != nil {
				e.t.Fatal(err)
			}
			return s
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newRecEnv(t, func(s *module.Settings) {
				s.Recordings.Protected = true
				s.Recordings.CookieSecret = tt.secret
			})
			for _, id := range []string{"r1", "r3"} {
				e.addRecording(store.Recording{RecordID: id, Published: true, Protected: true, StartTime: t0,
					Formats: []store.PlaybackFormat{format("presentation"), format("podcast")}})
			}
			const file = "/presentation/r1/metadata.xml"
			wantNotFound(t, e.fetch("", file), "no cookie")

			target := e.playURL("lb", "r1", "presentation")
			if !strings.HasPrefix(target, "/recording/r1/presentation?token=") {
				t.Fatalf("play URL %s", target)
			}
			token := strings.TrimPrefix(target, "/recording/r1/presentation?token=")
			for _, bad := range []string{
				"/recording/r1/presentation",
				"/recording/r1/presentation?token=" + strings.ToUpper(token),
				"/recording/r1/presentation?token=" + strings.Repeat("0", 64),
				"/recording/r1/podcast?token=" + token, // another format's
				"/recording/r3/presentation?token=" + token,
			} {
				rec := e.fetch("", bad)
				wantNotFound(t, rec, bad)
				if rec.Header().Get("Set-Cookie") != "" {
					t.Errorf("%s set a cookie", bad)
				}
			}
			// The last two consumed the token: mint another.
			target = e.playURL("lb", "r1", "presentation")
			rec := e.fetch("", target)
			if rec.Code != http.StatusTemporaryRedirect || rec.Header().Get("Location") != "/playback/presentation/2.3/r1" ||
				rec.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("play: %d %v", rec.Code, rec.Header())
			}
			cookie := rec.Result().Cookies()[0]
			if cookie.Name != "recording_presentation_r1" || cookie.Path != "/presentation/r1" || !cookie.HttpOnly ||
				cookie.Secure || cookie.SameSite != 0 || !cookie.Expires.IsZero() {
				t.Errorf("cookie %v", rec.Header().Get("Set-Cookie"))
			}
			wantNotFound(t, e.fetch("", target), "token used twice")

			rec = e.fetch("", file, cookie)
			wantServed(t, rec, "presentation of r1", "with the cookie")
			if rec.Header().Get("Cache-Control") != "private" {
				t.Errorf("protected file may be cached by proxies: %v", rec.Header())
			}
			// The cookie opens this recording and format only.
			wantNotFound(t, e.fetch("", "/podcast/r1/metadata.xml", &http.Cookie{Name: "recording_podcast_r1", Value: cookie.Value}), "another format")
			wantNotFound(t, e.fetch("", "/presentation/r3/metadata.xml", &http.Cookie{Name: "recording_presentation_r3", Value: cookie.Value}), "another recording")
			r3 := e.play("", e.playURL("lb", "r3", "presentation"))
			wantNotFound(t, e.fetch("", file, &http.Cookie{Name: cookie.Name, Value: r3.Value}), "r3's cookie under r1's name")
			wantServed(t, e.fetch("", "/presentation/r3/metadata.xml", r3), "presentation of r3", "r3 with its cookie")

			secret := tt.secret
			if tt.secretFrom != nil {
				secret = tt.secretFrom(e)
			}
			issuer := recordings.Cookies{Secret: secret, Lifetime: time.Hour}
			expired, err := issuer.Issue("presentation", "r1", time.Now().Add(-2*time.Hour), false, "")
			if err != nil {
				t.Fatal(err)
			}
			wantNotFound(t, e.fetch("", file, expired), "expired cookie")
			fresh, err := issuer.Issue("presentation", "r1", time.Now(), false, "")
			if err != nil {
				t.Fatal(err)
			}
			wantServed(t, e.fetch("", file, fresh), "presentation of r1", "a cookie signed with the cluster's secret")
			forged, err := recordings.Cookies{Secret: "guessed"}.Issue("presentation", "r1", time.Now(), false, "")
			if err != nil {
				t.Fatal(err)
			}
			wantNotFound(t, e.fetch("", file, forged), "forged cookie")
		})
	}
}

func TestPlaybackCookieOverTLS(t *testing.T) {
	e := newRecEnv(t, func(s *module.Settings) { s.Recordings.Protected = true })
	e.addRecording(store.Recording{RecordID: "r1", Published: true, Protected: true, StartTime: t0, Formats: []store.PlaybackFormat{format("presentation")}})
	tests := []struct {
		ua           string
		wantSameSite http.SameSite
	}{
		{"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", http.SameSiteNoneMode},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.113 Safari/537.36", 0},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodGet, e.playURL("lb", "r1", "presentation"), nil)
		req.TLS = &tls.ConnectionState{}
		req.Header.Set("User-Agent", tt.ua)
		rec := httptest.NewRecorder()
		if err := e.h.ServeHTTP(rec, req, e.next); err != nil {
			t.Fatal(err)
		}
		cookies := rec.Result().Cookies()
		if rec.Code != http.StatusTemporaryRedirect || len(cookies) != 1 || !cookies[0].Secure || cookies[0].SameSite != tt.wantSameSite {
			t.Errorf("%s: %d %s", tt.ua, rec.Code, rec.Header().Get("Set-Cookie"))
		}
	}
}

func TestPlaybackProtectionDisabled(t *testing.T) {
	// A recording marked protected plays freely while protection is off,
	// and getRecordings hands out its player URL.
	e := newRecEnv(t, nil)
	e.addRecording(store.Recording{RecordID: "r1", Published: true, Protected: true, StartTime: t0, Formats: []store.PlaybackFormat{format("presentation")}})
	wantServed(t, e.fetch("", "/presentation/r1/metadata.xml"), "presentation of r1", "protection off")
	if rec := e.fetch("", "/recording/r1/presentation"); rec.Code != http.StatusTemporaryRedirect || rec.Header().Get("Set-Cookie") != "" {
		t.Errorf("play: %d %v", rec.Code, rec.Header())
	}
	r := e.getRecordings("lb", "recordID=r1").Recordings.Recordings[0]
	if r.Protected != nil || r.Playback.Formats[0].URL != "http://lb/playback/presentation/2.3/r1" {
		t.Errorf("getRecordings %+v", r)
	}
}

func TestPlaybackTenants(t *testing.T) {
	e := newRecEnv(t, func(s *module.Settings) {
		multitenant(s)
		s.Recordings.Protected = true
	})
	e.addTenants()
	e.addRecording(store.Recording{RecordID: "a-1", Published: true, StartTime: t0, Metadata: map[string]string{"tenant-id": "t-alpha"},
		Formats: []store.PlaybackFormat{format("presentation")}})
	e.addRecording(store.Recording{RecordID: "a-2", Published: true, Protected: true, StartTime: t0, Metadata: map[string]string{"tenant-id": "t-alpha"},
		Formats: []store.PlaybackFormat{format("presentation")}})
	e.addRecording(store.Recording{RecordID: "n-1", Published: true, StartTime: t0, Formats: []store.PlaybackFormat{format("presentation")}})

	wantServed(t, e.fetch(alphaHost, "/presentation/a-1/metadata.xml"), "presentation of a-1", "owner")
	for _, host := range []string{betaHost, "gamma.bbb.example.com", "bbb.example.com", "elsewhere.example.org"} {
		wantNotFound(t, e.fetch(host, "/presentation/a-1/metadata.xml"), "a-1 on "+host)
		wantNotFound(t, e.fetch(host, "/recording/a-1/presentation"), "play a-1 on "+host)
	}
	// A recording without a tenant belongs to no tenant.
	wantNotFound(t, e.fetch(alphaHost, "/presentation/n-1/metadata.xml"), "tenantless recording")
	if rec := e.fetch(alphaHost, "/recording/a-1/presentation"); rec.Code != http.StatusTemporaryRedirect {
		t.Errorf("owner's play: %d", rec.Code)
	}

	// Alpha's token is refused on beta's host, and stays usable at home.
	target := e.playURL(alphaHost, "a-2", "presentation")
	wantNotFound(t, e.fetch(betaHost, target), "alpha's token on beta")
	cookie := e.play(alphaHost, target)
	wantServed(t, e.fetch(alphaHost, "/presentation/a-2/metadata.xml", cookie), "presentation of a-2", "owner with cookie")
	wantNotFound(t, e.fetch(betaHost, "/presentation/a-2/metadata.xml", cookie), "alpha's cookie on beta")
}

func TestPlaybackNotFoundPage(t *testing.T) {
	page := filepath.Join(t.TempDir(), "404.html")
	if err := os.WriteFile(page, []byte("<p>Nothing here: ask your teacher.</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file string
		want string
	}{
		{page, "<p>Nothing here: ask your teacher.</p>"},
		{filepath.Join(t.TempDir(), "missing.html"), recordingNotFoundPage},
		{"", recordingNotFoundPage},
	}
	for _, tt := range tests {
		e := newRecEnv(t, nil)
		e.h.settings.Recordings.NotFoundPage = tt.file
		for range 2 {
			rec := e.fetch("", "/presentation/nope/metadata.xml")
			if rec.Code != http.StatusNotFound || rec.Body.String() != tt.want {
				t.Errorf("page %q: %d %s", tt.file, rec.Code, rec.Body)
			}
		}
	}
}

func TestPlaybackStoreFailure(t *testing.T) {
	e := newRecEnv(t, nil)
	e.addRecording(store.Recording{RecordID: "r1", Published: true, StartTime: t0, Formats: []store.PlaybackFormat{format("presentation")}})
	e.live.Close()
	for _, target := range []string{"/presentation/r1/metadata.xml", "/recording/r1/presentation"} {
		rec := httptest.NewRecorder()
		err := e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil), e.next)
		var he caddyhttp.HandlerError
		if !errors.As(err, &he) || he.StatusCode != http.StatusServiceUnavailable || rec.Header().Get(servedByNext) != "" {
			t.Errorf("%s: %v, served by next %q", target, err, rec.Header().Get(servedByNext))
		}
	}
}

package module

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// provision unmarshals raw as the bbb app's JSON config and provisions it the
// way Caddy does, returning the app and Provision's error.
func provision(t *testing.T, raw string) (*App, error) {
	t.Helper()
	app := new(App)
	if err := json.Unmarshal([]byte(raw), app); err != nil {
		t.Fatalf("unmarshal %s: %v", raw, err)
	}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: t.Context()})
	t.Cleanup(cancel)
	// Caddy calls Cleanup after every Provision, failed ones included.
	t.Cleanup(func() {
		if err := app.Cleanup(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return app, app.Provision(ctx)
}

func mustProvision(t *testing.T, raw string) *App {
	t.Helper()
	app, err := provision(t, raw)
	if err != nil {
		t.Fatalf("provision %s: %v", raw, err)
	}
	if err := app.Validate(); err != nil {
		t.Fatalf("validate %s: %v", raw, err)
	}
	return app
}

func TestProvisionDefaults(t *testing.T) {
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)

	got := mustProvision(t, `{"secrets": ["s3cret"]}`).Settings()
	want := Settings{
		Secrets:            []string{"s3cret"},
		ChecksumAlgorithms: []bbb.Algorithm{bbb.SHA1, bbb.SHA256, bbb.SHA384, bbb.SHA512},
		OutboundChecksum:   bbb.SHA256,
		SQLitePath:         filepath.Join(data, "caddy", "bbb", "bbb.db"),
		PollInterval:       60 * time.Second,
		HealthyThreshold:   1,
		UnhealthyThreshold: 2,
		ConnectTimeout:     5 * time.Second,
		ResponseTimeout:    10 * time.Second,
		LoadMinUserCount:   15,
		LoadJoinBufferTime: 15 * time.Minute,
		VoiceBridgeLength:  9,
		Recordings: RecordingSettings{
			SpoolDir:        "/var/bigbluebutton/spool",
			WorkDir:         "/var/bigbluebutton/recording/scalelite",
			PublishDir:      "/var/bigbluebutton/published",
			UnpublishDir:    "/var/bigbluebutton/unpublished",
			PlaybackFormats: []string{"presentation", "video", "screenshare", "podcast", "notes", "capture"},
			TokenTimeout:    60 * time.Minute,
			CookieTimeout:   6 * time.Hour,
		},
		FSAPI: FSAPISettings{Password: "s3cret"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("settings:\n got %+v\nwant %+v", got, want)
	}
	if !got.LiveInSQLite() || !got.RecordingsInSQLite() {
		t.Errorf("with no redis or postgres both stores should be SQLite")
	}
}

func TestProvisionNoSecretsIsValid(t *testing.T) {
	// A site with the bbb directive and no global block gets an empty app:
	// it must provision, answering every checksum with a failure.
	s := mustProvision(t, `{}`).Settings()
	if len(s.Secrets) != 0 || s.FSAPI.Password != "" || s.FSAPI.AuthDisabled {
		t.Errorf("empty app: secrets %d, fsapi password set %v, auth disabled %v",
			len(s.Secrets), s.FSAPI.Password != "", s.FSAPI.AuthDisabled)
	}
}

func TestProvisionExplicitValues(t *testing.T) {
	got := mustProvision(t, `{
		"secrets": ["a", "b"],
		"checksum_algorithms": ["SHA512", "sha256", "sha512"],
		"outbound_checksum": "SHA512",
		"store": {"sqlite": {"path": "db/x.db"}, "redis": {"url": "redis://localhost:6379/2"}, "postgres": {"dsn": "postgres://u@localhost/bbb"}},
		"poll_interval": "30s",
		"healthy_threshold": 3,
		"unhealthy_threshold": 4,
		"load_min_user_count": 0,
		"max_meeting_duration": 120,
		"voice_bridge_length": 5,
		"multitenancy": "BBB.Example.com.",
		"recordings": {"playback_formats": ["video", "video", "notes"]},
		"fsapi": {"max_duration": 0}
	}`).Settings()

	if want := []bbb.Algorithm{bbb.SHA512, bbb.SHA256}; !reflect.DeepEqual(got.ChecksumAlgorithms, want) {
		t.Errorf("checksum algorithms %v, want %v (lower-cased, deduplicated)", got.ChecksumAlgorithms, want)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"outbound", got.OutboundChecksum, bbb.SHA512},
		{"sqlite path", got.SQLitePath, "db/x.db"},
		{"redis url", got.RedisURL, "redis://localhost:6379/2"},
		{"redis prefix", got.RedisKeyPrefix, "bbb:"},
		{"postgres", got.PostgresDSN, "postgres://u@localhost/bbb"},
		{"poll interval", got.PollInterval, 30 * time.Second},
		{"healthy", got.HealthyThreshold, 3},
		{"unhealthy", got.UnhealthyThreshold, 4},
		{"explicit zero min user count", got.LoadMinUserCount, 0},
		{"voice bridge", got.VoiceBridgeLength, 5},
		{"multitenancy", got.Multitenancy, "bbb.example.com"},
		{"formats", strings.Join(got.Recordings.PlaybackFormats, ","), "video,notes"},
		{"fsapi password", got.FSAPI.Password, "a"},
		{"explicit zero fsapi max duration", got.FSAPI.MaxDuration, 0},
		{"live in redis", got.LiveInSQLite(), false},
		{"recordings in postgres", got.RecordingsInSQLite(), false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestProvisionFSAPI(t *testing.T) {
	tests := []struct {
		name         string
		raw          string
		wantPassword string
		wantDisabled bool
		wantMax      int
	}{
		{"defaults to first secret and max meeting duration", `{"secrets": ["one", "two"], "max_meeting_duration": 90}`, "one", false, 90},
		{"explicit empty password disables auth", `{"secrets": ["one"], "fsapi": {"password": ""}}`, "", true, 0},
		{"own password and duration", `{"secrets": ["one"], "max_meeting_duration": 90, "fsapi": {"password": "pw", "max_duration": 30}}`, "pw", false, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustProvision(t, tt.raw).Settings().FSAPI
			if f.Password != tt.wantPassword || f.AuthDisabled != tt.wantDisabled || f.MaxDuration != tt.wantMax {
				t.Errorf("fsapi = {password %q, disabled %v, max %d}, want {%q, %v, %d}",
					f.Password, f.AuthDisabled, f.MaxDuration, tt.wantPassword, tt.wantDisabled, tt.wantMax)
			}
		})
	}
}

func TestProvisionResolvesPlaceholders(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "cookie")
	if err := os.WriteFile(secretFile, []byte("cookie-secret-from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"T_SECRET":   "first-secret",
		"T_SECRETS":  "second:third",
		"T_ALGS":     "SHA1:SHA512",
		"T_REDIS":    "redis://:pw@localhost:6380/1",
		"T_PG":       "host=/tmp user=bbb password=pw",
		"T_SPOOL":    "/srv/spool",
		"T_FORMATS":  "presentation:video",
		"T_EXCLUDE":  "logo, welcome",
		"T_WELCOME":  "Hello",
		"T_HOST":     "Example.org",
		"T_FSAPI_PW": "fs-pw",
		"T_BUILD":    "b42",
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	raw := `{
		"secrets": ["{env.T_SECRET}", "{env.T_SECRETS}", "{env.T_UNSET}", "literal:kept"],
		"checksum_algorithms": ["{env.T_ALGS}"],
		"store": {"redis": {"url": "{env.T_REDIS}"}, "postgres": {"dsn": "{env.T_PG}"}},
		"build_number": "{env.T_BUILD}",
		"create": {"defaults": {"welcome": "{env.T_WELCOME} world"}, "exclude": ["{env.T_EXCLUDE}"]},
		"recordings": {"spool_dir": "{env.T_SPOOL}", "playback_formats": ["{env.T_FORMATS}"], "cookie_secret": "{file.` + secretFile + `}"},
		"multitenancy": "{env.T_HOST}",
		"fsapi": {"password": "{env.T_FSAPI_PW}"}
	}`
	app := mustProvision(t, raw)
	s := app.Settings()

	if want := []string{"first-secret", "second", "third", "literal:kept"}; !reflect.DeepEqual(s.Secrets, want) {
		t.Errorf("secrets %q, want %q", s.Secrets, want)
	}
	if want := []bbb.Algorithm{bbb.SHA1, bbb.SHA512}; !reflect.DeepEqual(s.ChecksumAlgorithms, want) {
		t.Errorf("algorithms %v, want %v", s.ChecksumAlgorithms, want)
	}
	if want := []string{"logo", "welcome"}; !reflect.DeepEqual(s.Create.Exclude, want) {
		t.Errorf("create exclude %q, want %q", s.Create.Exclude, want)
	}
	if want := []string{"presentation", "video"}; !reflect.DeepEqual(s.Recordings.PlaybackFormats, want) {
		t.Errorf("formats %q, want %q", s.Recordings.PlaybackFormats, want)
	}
	checks := []struct{ name, got, want string }{
		{"redis", s.RedisURL, env["T_REDIS"]},
		{"postgres", s.PostgresDSN, env["T_PG"]},
		{"build", s.BuildNumber, "b42"},
		{"create default", s.Create.Defaults["welcome"], "Hello world"},
		{"spool", s.Recordings.SpoolDir, "/srv/spool"},
		{"cookie secret from file", s.Recordings.CookieSecret, "cookie-secret-from-a-file"},
		{"multitenancy", s.Multitenancy, "example.org"},
		{"fsapi", s.FSAPI.Password, "fs-pw"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}

	// The JSON config, which /config/ serves, still holds the placeholders.
	out, err := json.Marshal(app)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"first-secret", ":pw@", "password=pw", "cookie-secret-from-a-file", "fs-pw"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("marshalled config holds the resolved value %q: %s", secret, out)
		}
	}
}

func TestProvisionPlaceholderErrors(t *testing.T) {
	t.Setenv("T_SET", "value-that-must-not-leak")
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"unset variable behind a scalar", `{"store": {"redis": {"url": "{env.T_UNSET_REDIS}"}}}`, "store.redis.url: evaluated placeholder {env.T_UNSET_REDIS} is empty"},
		{"unknown placeholder", `{"recordings": {"spool_dir": "{nope.x}"}}`, "recordings.spool_dir: unrecognized placeholder {nope.x}"},
		{"unknown placeholder in a list", `{"secrets": ["{env.T_SET}", "{bogus}"]}`, "secrets[1]: unrecognized placeholder {bogus}"},
		{"missing file", `{"fsapi": {"password": "{file./nonexistent/bbb-secret}"}}`, "fsapi.password: evaluated placeholder {file./nonexistent/bbb-secret} is empty"},
		{"unset create value", `{"join": {"overrides": {"userdata-x": "{env.T_UNSET_JOIN}"}}}`, "join.overrides.userdata-x: evaluated placeholder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := provision(t, tt.raw)
			if err == nil {
				t.Fatalf("provision %s: no error", tt.raw)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "value-that-must-not-leak") {
				t.Errorf("error leaks a resolved value: %q", err)
			}
		})
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"unknown inbound algorithm", `{"checksum_algorithms": ["md5"]}`, "checksum_algorithms: unknown checksum algorithm \"md5\""},
		{"unknown outbound algorithm", `{"outbound_checksum": "sha3"}`, "outbound_checksum: unknown checksum algorithm"},
		{"empty secret", `{"secrets": ["ok", " "]}`, "secrets[1]: empty secret"},
		{"negative poll interval", `{"poll_interval": -1}`, "poll_interval: must be positive"},
		{"negative connect timeout", `{"connect_timeout": "-5s"}`, "connect_timeout: must be positive"},
		{"negative response timeout", `{"response_timeout": "-1s"}`, "response_timeout: must be positive"},
		{"negative join buffer", `{"load_join_buffer_time": "-1m"}`, "load_join_buffer_time: must be positive"},
		{"negative token timeout", `{"recordings": {"token_timeout": "-1m"}}`, "recordings.token_timeout: must be positive"},
		{"negative cookie timeout", `{"recordings": {"cookie_timeout": "-1h"}}`, "recordings.cookie_timeout: must be positive"},
		{"healthy threshold below 1", `{"healthy_threshold": -1}`, "healthy_threshold: must be at least 1"},
		{"unhealthy threshold below 1", `{"unhealthy_threshold": -2}`, "unhealthy_threshold: must be at least 1"},
		{"negative min user count", `{"load_min_user_count": -1}`, "load_min_user_count: must be at least 0"},
		{"negative max meeting duration", `{"max_meeting_duration": -5}`, "max_meeting_duration: must be at least 0"},
		{"negative fsapi max duration", `{"fsapi": {"max_duration": -1}}`, "fsapi.max_duration: must be at least 0"},
		{"voice bridge too short", `{"voice_bridge_length": 4}`, "voice_bridge_length: must be 5 to 9 digits"},
		{"voice bridge too long", `{"voice_bridge_length": 10}`, "voice_bridge_length: must be 5 to 9 digits"},
		{"bad playback format", `{"recordings": {"playback_formats": ["Video"]}}`, "invalid playback format \"Video\""},
		{"playback format with a slash", `{"recordings": {"playback_formats": ["../x"]}}`, "invalid playback format"},
		{"same spool and publish dir", `{"recordings": {"spool_dir": "/srv/x", "publish_dir": "/srv/x/"}}`, "recordings.publish_dir: same directory as recordings.spool_dir"},
		{"short cookie secret", `{"recordings": {"cookie_secret": "short"}}`, "recordings.cookie_secret: too short"},
		{"multitenancy with scheme", `{"multitenancy": "https://bbb.example.com"}`, "multitenancy: invalid domain name"},
		{"multitenancy wildcard", `{"multitenancy": "*.example.com"}`, "multitenancy: invalid domain name"},
		{"multitenancy bad label", `{"multitenancy": "bbb.-x.com"}`, "bad label \"-x\""},
		{"redis bad scheme", `{"store": {"redis": {"url": "http://localhost:6379"}}}`, "store.redis.url: redis: invalid URL scheme"},
		{"redis without url", `{"store": {"redis": {}}}`, "store.redis.url: empty URL"},
		{"redis bad db", `{"store": {"redis": {"url": "redis://localhost/x"}}}`, "store.redis.url: redis: invalid database number"},
		{"postgres neither url nor pairs", `{"store": {"postgres": {"dsn": "localhost"}}}`, "store.postgres.dsn: want a postgres:// URL or key=value pairs"},
		{"postgres other scheme", `{"store": {"postgres": {"dsn": "mysql://x"}}}`, "store.postgres.dsn: unknown URL scheme"},
		{"bad create param name", `{"create": {"defaults": {"bad name": "x"}}}`, "create: invalid parameter name \"bad name\""},
		{"checksum param", `{"join": {"exclude": ["checksum"]}}`, "join: the checksum parameter cannot be set or excluded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, err := provision(t, tt.raw)
			if err != nil {
				t.Fatalf("provision: %v", err)
			}
			err = app.Validate()
			if err == nil {
				t.Fatalf("validate %s: no error", tt.raw)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestValidateErrorsKeepSecretsOut(t *testing.T) {
	app, err := provision(t, `{"store": {"redis": {"url": "redis://:hunter2@local host/0"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	err = app.Validate()
	if err == nil {
		t.Fatal("a URL with a space in the host should not validate")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error leaks the Redis password: %q", err)
	}
}

func TestSettingsIsACopy(t *testing.T) {
	app := mustProvision(t, `{"secrets": ["a"], "create": {"defaults": {"x": "1"}}}`)
	s := app.Settings()
	s.Secrets[0] = "changed"
	s.Create.Defaults["x"] = "changed"
	s.ChecksumAlgorithms[0] = "changed"
	again := app.Settings()
	if again.Secrets[0] != "a" || again.Create.Defaults["x"] != "1" || again.ChecksumAlgorithms[0] != bbb.SHA1 {
		t.Errorf("changing a returned Settings changed the app's: %+v", again)
	}
}

func TestCheckDomain(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"bbb.example.com", true},
		{"localhost", true},
		{"a-b.c1.example", true},
		{"", false},
		{"bbb..example.com", false},
		{"bbb.example.com:443", false},
		{"bbb_x.example.com", false},
		{strings.Repeat("a", 64) + ".com", false},
	}
	for _, tt := range tests {
		if err := CheckDomain(tt.name); (err == nil) != tt.ok {
			t.Errorf("CheckDomain(%q) = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

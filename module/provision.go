package module

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/redis/go-redis/v9"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// The defaults of DESIGN.md §3, which are Scalelite's.
const (
	defaultOutboundChecksum   = bbb.SHA256
	defaultPollInterval       = 60 * time.Second
	defaultHealthyThreshold   = 1
	defaultUnhealthyThreshold = 2
	defaultConnectTimeout     = 5 * time.Second
	defaultResponseTimeout    = 10 * time.Second
	defaultLoadMinUserCount   = 15
	defaultLoadJoinBufferTime = 15 * time.Minute
	defaultVoiceBridgeLength  = 9
	defaultRedisKeyPrefix     = "bbb:"
	defaultSpoolDir           = "/var/bigbluebutton/spool"
	defaultWorkDir            = "/var/bigbluebutton/recording/scalelite"
	defaultPublishDir         = "/var/bigbluebutton/published"
	defaultUnpublishDir       = "/var/bigbluebutton/unpublished"
	defaultTokenTimeout       = 60 * time.Minute
	defaultCookieTimeout      = 6 * time.Hour
)

// The voice bridge length range: Scalelite's VOICE_BRIDGE_LEN, whose dial-in
// prompt accepts 5 to 9 digits.
const (
	MinVoiceBridgeLength = 5
	MaxVoiceBridgeLength = 9
)

// minCookieSecretLength keeps a configured cookie secret long enough that
// playback cookies cannot be forged by guessing it.
const minCookieSecretLength = 16

var defaultPlaybackFormats = []string{"presentation", "video", "screenshare", "podcast", "notes", "capture"}

// defaultSQLiteFile is the embedded store's path under caddy.AppDataDir().
var defaultSQLiteFile = filepath.Join("bbb", "bbb.db")

// Settings is the effective configuration of the app once provisioned and
// validated: every placeholder resolved, every default applied. A field
// without a comment means what the App field of the same name means, with
// durations as time.Duration. Get it with App.Settings; it is a copy, so
// callers may keep it. It holds secrets: never log it or put it in an error.
type Settings struct {
	// Secrets the front-ends sign with; empty only in multitenancy, where
	// tenants bring their own, or when the app is used on defaults alone.
	Secrets []string
	// ChecksumAlgorithms accepted inbound.
	ChecksumAlgorithms []bbb.Algorithm
	// OutboundChecksum signs calls to BBB servers.
	OutboundChecksum bbb.Algorithm

	// SQLitePath is the embedded database file; used for live state when
	// RedisURL is empty and for recordings when PostgresDSN is empty.
	SQLitePath string
	// RedisURL holds live state when set.
	RedisURL string
	// RedisKeyPrefix is put before every Redis key.
	RedisKeyPrefix string
	// PostgresDSN holds recordings when set.
	PostgresDSN string

	PollInterval       time.Duration
	HealthyThreshold   int
	UnhealthyThreshold int
	ConnectTimeout     time.Duration
	ResponseTimeout    time.Duration
	LoadMinUserCount   int
	LoadJoinBufferTime time.Duration
	ServerIDIsHostname bool

	// MaxMeetingDuration in minutes; 0 means none.
	MaxMeetingDuration     int
	VoiceBridgeLength      int
	UseExternalVoiceBridge bool
	GetMeetingsDisabled    bool
	BuildNumber            string

	Create ParamRules
	Join   ParamRules

	Recordings RecordingSettings
	// Multitenancy is the base domain in lower case without a trailing dot;
	// empty when multitenancy is off.
	Multitenancy string
	FSAPI        FSAPISettings
}

// RecordingSettings is the effective recordings configuration; its fields
// mean what those of RecordingsConfig do.
type RecordingSettings struct {
	Disabled          bool
	SpoolDir          string
	WorkDir           string
	PublishDir        string
	UnpublishDir      string
	ImportUnpublished bool
	PlaybackFormats   []string
	Filtered          bool
	Protected         bool
	TokenTimeout      time.Duration
	CookieTimeout     time.Duration
	// CookieSecret is empty when none is configured: one is then generated
	// once and kept in the live store.
	CookieSecret string
	// NotFoundPage is the operator's HTML file for unplayable recordings;
	// empty means the built-in page.
	NotFoundPage string
}

// FSAPISettings is the effective FreeSWITCH endpoint configuration.
type FSAPISettings struct {
	// Password for HTTP Basic user "fsapi". Empty with AuthDisabled false
	// means no password is known (no secrets configured): every request must
	// then be refused.
	Password string
	// AuthDisabled is set by an explicit empty password.
	AuthDisabled bool
	// MaxDuration of a dial-in call in minutes; 0 means none.
	MaxDuration int
}

// LiveInSQLite reports whether live state is kept in the embedded store.
func (s Settings) LiveInSQLite() bool { return s.RedisURL == "" }

// RecordingsInSQLite reports whether recordings are kept in the embedded store.
func (s Settings) RecordingsInSQLite() bool { return s.PostgresDSN == "" }

// Settings returns a copy of the effective configuration; it is the zero
// value before Provision.
func (a *App) Settings() Settings {
	s := a.settings
	s.Secrets = slices.Clone(s.Secrets)
	s.ChecksumAlgorithms = slices.Clone(s.ChecksumAlgorithms)
	s.Create = s.Create.clone()
	s.Join = s.Join.clone()
	s.Recordings.PlaybackFormats = slices.Clone(s.Recordings.PlaybackFormats)
	return s
}

func (r ParamRules) clone() ParamRules {
	return ParamRules{Defaults: maps.Clone(r.Defaults), Overrides: maps.Clone(r.Overrides), Exclude: slices.Clone(r.Exclude)}
}

// Provision resolves placeholders and applies defaults into the effective
// settings. It stays cheap and opens nothing, because `caddy validate` runs
// it too; the only files it reads are those a {file.*} placeholder names.
func (a *App) Provision(ctx caddy.Context) error {
	a.logger = ctx.Logger()
	s, err := a.resolve(caddy.NewReplacer())
	if err != nil {
		return err
	}
	a.settings = s
	if err := a.provisionClient(); err != nil {
		return err
	}
	if err := a.provisionStores(); err != nil {
		return err
	}
	if err := a.provisionWork(); err != nil {
		return err
	}
	if err := a.registerMetrics(ctx.GetMetricsRegistry()); err != nil {
		return err
	}
	if len(s.Secrets) == 0 && s.Multitenancy == "" {
		a.logger.Warn("no secrets configured: every BBB API call will fail its checksum; set `secrets` in the bbb global option")
	}
	if a.Store.SQLite != nil && !s.LiveInSQLite() && !s.RecordingsInSQLite() {
		a.logger.Warn("store sqlite is unused: live state is in Redis and recordings in PostgreSQL")
	}
	return nil
}

// resolver resolves the placeholders of one field, naming the field in errors.
// Errors name the placeholder, never its value.
type resolver struct{ repl *caddy.Replacer }

// scalar resolves a single value. A placeholder that is unknown or evaluates
// to empty is an error: an unset variable behind a secret or path must not
// silently become "".
func (r resolver) scalar(field, v string) (string, error) {
	out, err := r.repl.ReplaceOrErr(v, true, true)
	if err != nil {
		return "", fmt.Errorf("%s: %w", field, err)
	}
	return out, nil
}

// list resolves list values. A value written with a placeholder may expand to
// several entries separated by sep, the way Scalelite's variables hold lists
// (LOADBALANCER_SECRETS=a:b), or to nothing when the variable is unset.
// Literal values are kept whole.
func (r resolver) list(field string, vals []string, sep string) ([]string, error) {
	var out []string
	for i, v := range vals {
		if !HasPlaceholder(v) {
			out = append(out, v)
			continue
		}
		resolved, err := r.repl.ReplaceOrErr(v, false, true)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", field, i, err)
		}
		for item := range strings.SplitSeq(resolved, sep) {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out, nil
}

// HasPlaceholder reports whether v contains a runtime placeholder such as
// {env.NAME} or {file./path}, to be resolved at provision time.
func HasPlaceholder(v string) bool {
	i := strings.IndexByte(v, '{')
	return i >= 0 && strings.IndexByte(v[i:], '}') > 0
}

func (a *App) resolve(repl *caddy.Replacer) (Settings, error) {
	r := resolver{repl}
	var s Settings
	var err error
	var errs []error
	keep := func(e error) {
		if e != nil {
			errs = append(errs, e)
		}
	}
	str := func(dst *string, field, v, def string) {
		if v == "" {
			*dst = def
			return
		}
		*dst, err = r.scalar(field, v)
		keep(err)
	}

	s.Secrets, err = r.list("secrets", a.Secrets, ":")
	keep(err)
	algs, err := r.list("checksum_algorithms", a.ChecksumAlgorithms, ":")
	keep(err)
	for _, name := range algs {
		alg := bbb.Algorithm(strings.ToLower(name))
		if !slices.Contains(s.ChecksumAlgorithms, alg) {
			s.ChecksumAlgorithms = append(s.ChecksumAlgorithms, alg)
		}
	}
	if len(s.ChecksumAlgorithms) == 0 {
		s.ChecksumAlgorithms = slices.Clone(bbb.Algorithms)
	}
	var outbound string
	str(&outbound, "outbound_checksum", a.OutboundChecksum, string(defaultOutboundChecksum))
	s.OutboundChecksum = bbb.Algorithm(strings.ToLower(outbound))

	var sqlitePath string
	if a.Store.SQLite != nil {
		sqlitePath = a.Store.SQLite.Path
	}
	str(&s.SQLitePath, "store.sqlite.path", sqlitePath, filepath.Join(caddy.AppDataDir(), defaultSQLiteFile))
	if a.Store.Redis != nil {
		// An empty URL stays empty, and Validate rejects it: a redis block
		// without a URL is a mistake, not a request for SQLite.
		s.RedisURL, err = r.scalar("store.redis.url", a.Store.Redis.URL)
		keep(err)
		str(&s.RedisKeyPrefix, "store.redis.key_prefix", a.Store.Redis.KeyPrefix, defaultRedisKeyPrefix)
	}
	if a.Store.Postgres != nil {
		s.PostgresDSN, err = r.scalar("store.postgres.dsn", a.Store.Postgres.DSN)
		keep(err)
	}

	s.PollInterval = durationOr(a.PollInterval, defaultPollInterval)
	s.HealthyThreshold = intOr(a.HealthyThreshold, defaultHealthyThreshold)
	s.UnhealthyThreshold = intOr(a.UnhealthyThreshold, defaultUnhealthyThreshold)
	s.ConnectTimeout = durationOr(a.ConnectTimeout, defaultConnectTimeout)
	s.ResponseTimeout = durationOr(a.ResponseTimeout, defaultResponseTimeout)
	s.LoadMinUserCount = defaultLoadMinUserCount
	if a.LoadMinUserCount != nil {
		s.LoadMinUserCount = *a.LoadMinUserCount
	}
	s.LoadJoinBufferTime = durationOr(a.LoadJoinBufferTime, defaultLoadJoinBufferTime)
	s.ServerIDIsHostname = a.ServerIDIsHostname

	s.MaxMeetingDuration = a.MaxMeetingDuration
	s.VoiceBridgeLength = intOr(a.VoiceBridgeLength, defaultVoiceBridgeLength)
	s.UseExternalVoiceBridge = a.UseExternalVoiceBridge
	s.GetMeetingsDisabled = a.GetMeetingsDisabled
	str(&s.BuildNumber, "build_number", a.BuildNumber, "")

	s.Create, err = r.params("create", a.Create)
	keep(err)
	s.Join, err = r.params("join", a.Join)
	keep(err)

	rc := a.Recordings
	s.Recordings = RecordingSettings{
		Disabled:          rc.Disabled,
		ImportUnpublished: rc.ImportUnpublished,
		Filtered:          rc.Filtered,
		Protected:         rc.Protected,
		TokenTimeout:      durationOr(rc.TokenTimeout, defaultTokenTimeout),
		CookieTimeout:     durationOr(rc.CookieTimeout, defaultCookieTimeout),
	}
	str(&s.Recordings.SpoolDir, "recordings.spool_dir", rc.SpoolDir, defaultSpoolDir)
	str(&s.Recordings.WorkDir, "recordings.work_dir", rc.WorkDir, defaultWorkDir)
	str(&s.Recordings.PublishDir, "recordings.publish_dir", rc.PublishDir, defaultPublishDir)
	str(&s.Recordings.UnpublishDir, "recordings.unpublish_dir", rc.UnpublishDir, defaultUnpublishDir)
	str(&s.Recordings.CookieSecret, "recordings.cookie_secret", rc.CookieSecret, "")
	str(&s.Recordings.NotFoundPage, "recordings.not_found_page", rc.NotFoundPage, "")
	formats, err := r.list("recordings.playback_formats", rc.PlaybackFormats, ":")
	keep(err)
	for _, f := range formats {
		if !slices.Contains(s.Recordings.PlaybackFormats, f) {
			s.Recordings.PlaybackFormats = append(s.Recordings.PlaybackFormats, f)
		}
	}
	if len(s.Recordings.PlaybackFormats) == 0 {
		s.Recordings.PlaybackFormats = slices.Clone(defaultPlaybackFormats)
	}

	str(&s.Multitenancy, "multitenancy", a.Multitenancy, "")
	s.Multitenancy = strings.TrimSuffix(strings.ToLower(s.Multitenancy), ".")

	switch {
	case a.FSAPI.Password == nil:
		if len(s.Secrets) > 0 {
			s.FSAPI.Password = s.Secrets[0]
		}
	case *a.FSAPI.Password == "":
		s.FSAPI.AuthDisabled = true
	default:
		str(&s.FSAPI.Password, "fsapi.password", *a.FSAPI.Password, "")
	}
	s.FSAPI.MaxDuration = s.MaxMeetingDuration
	if a.FSAPI.MaxDuration != nil {
		s.FSAPI.MaxDuration = *a.FSAPI.MaxDuration
	}

	if len(errs) > 0 {
		return Settings{}, errList(errs)
	}
	return s, nil
}

// params resolves the values and excluded names of create or join rules.
// Excluded names take a placeholder holding a comma list, as Scalelite's
// CREATE_EXCLUDE_PARAMS does.
func (r resolver) params(field string, p ParamRules) (ParamRules, error) {
	var out ParamRules
	var errs []error
	resolveMap := func(kind string, in map[string]string) map[string]string {
		if len(in) == 0 {
			return nil
		}
		m := make(map[string]string, len(in))
		for k, v := range in {
			rv, err := r.scalar(field+"."+kind+"."+k, v)
			if err != nil {
				errs = append(errs, err)
			}
			m[k] = rv
		}
		return m
	}
	out.Defaults = resolveMap("defaults", p.Defaults)
	out.Overrides = resolveMap("overrides", p.Overrides)
	excl, err := r.list(field+".exclude", p.Exclude, ",")
	if err != nil {
		errs = append(errs, err)
	}
	out.Exclude = excl
	if len(errs) > 0 {
		return out, errList(errs)
	}
	return out, nil
}

// errList reports several problems on one line, as Caddy logs a config error.
type errList []error

func (l errList) Error() string {
	msgs := make([]string, len(l))
	for i, err := range l {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (l errList) Unwrap() []error { return l }

func durationOr(d caddy.Duration, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return time.Duration(d)
}

func intOr(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

// Validate checks the effective settings and reports every problem at once.
// Errors name the JSON field; they never carry a secret.
func (a *App) Validate() error {
	s := a.settings
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	for i, secret := range s.Secrets {
		if strings.TrimSpace(secret) == "" {
			bad("secrets[%d]: empty secret", i)
		}
	}
	for _, alg := range s.ChecksumAlgorithms {
		if _, err := bbb.ParseAlgorithm(string(alg)); err != nil {
			bad("checksum_algorithms: %w", err)
		}
	}
	// The outbound algorithm need not be one the front-ends may use: the
	// inbound list restricts what front-ends sign with, the outbound one is
	// what the BBB servers must accept, and they check their own list.
	if _, err := bbb.ParseAlgorithm(string(s.OutboundChecksum)); err != nil {
		bad("outbound_checksum: %w", err)
	}

	if s.SQLitePath == "" {
		bad("store.sqlite.path: empty path")
	}
	if a.Store.Redis != nil {
		if err := CheckRedisURL(s.RedisURL); err != nil {
			bad("store.redis.url: %w", err)
		}
	}
	if a.Store.Postgres != nil {
		if err := CheckPostgresDSN(s.PostgresDSN); err != nil {
			bad("store.postgres.dsn: %w", err)
		}
	}

	for _, d := range []struct {
		field string
		v     time.Duration
	}{
		{"poll_interval", s.PollInterval},
		{"connect_timeout", s.ConnectTimeout},
		{"response_timeout", s.ResponseTimeout},
		{"load_join_buffer_time", s.LoadJoinBufferTime},
		{"recordings.token_timeout", s.Recordings.TokenTimeout},
		{"recordings.cookie_timeout", s.Recordings.CookieTimeout},
	} {
		if d.v <= 0 {
			bad("%s: must be positive, got %s", d.field, d.v)
		}
	}
	for _, n := range []struct {
		field string
		v     int
		min   int
	}{
		{"healthy_threshold", s.HealthyThreshold, 1},
		{"unhealthy_threshold", s.UnhealthyThreshold, 1},
		{"load_min_user_count", s.LoadMinUserCount, 0},
		{"max_meeting_duration", s.MaxMeetingDuration, 0},
		{"fsapi.max_duration", s.FSAPI.MaxDuration, 0},
	} {
		if n.v < n.min {
			bad("%s: must be at least %d, got %d", n.field, n.min, n.v)
		}
	}
	if s.VoiceBridgeLength < MinVoiceBridgeLength || s.VoiceBridgeLength > MaxVoiceBridgeLength {
		bad("voice_bridge_length: must be %d to %d digits, got %d", MinVoiceBridgeLength, MaxVoiceBridgeLength, s.VoiceBridgeLength)
	}

	for _, rules := range []struct {
		field string
		p     ParamRules
	}{{"create", s.Create}, {"join", s.Join}} {
		for _, name := range slices.Concat(slices.Collect(maps.Keys(rules.p.Defaults)), slices.Collect(maps.Keys(rules.p.Overrides)), rules.p.Exclude) {
			if err := CheckParamName(name); err != nil {
				bad("%s: %w", rules.field, err)
			}
		}
	}

	rs := s.Recordings
	dirs := []struct{ field, path string }{
		{"recordings.spool_dir", rs.SpoolDir},
		{"recordings.work_dir", rs.WorkDir},
		{"recordings.publish_dir", rs.PublishDir},
		{"recordings.unpublish_dir", rs.UnpublishDir},
	}
	for i, d := range dirs {
		if d.path == "" {
			bad("%s: empty path", d.field)
			continue
		}
		for _, other := range dirs[:i] {
			if other.path != "" && filepath.Clean(other.path) == filepath.Clean(d.path) {
				bad("%s: same directory as %s", d.field, other.field)
			}
		}
	}
	for _, f := range rs.PlaybackFormats {
		if err := CheckPlaybackFormat(f); err != nil {
			bad("recordings.playback_formats: %w", err)
		}
	}
	if rs.CookieSecret != "" && len(rs.CookieSecret) < minCookieSecretLength {
		bad("recordings.cookie_secret: too short: want at least %d characters", minCookieSecretLength)
	}

	if s.Multitenancy != "" {
		if err := CheckDomain(s.Multitenancy); err != nil {
			bad("multitenancy: %w", err)
		}
	}

	if len(errs) > 0 {
		return errList(errs)
	}
	return nil
}

var (
	playbackFormatRE = regexp.MustCompile(`^[a-z0-9_-]+$`)
	paramNameRE      = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	domainLabelRE    = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// CheckPlaybackFormat reports whether name can be a playback format: it is the
// first path segment of playback URLs and a directory name on disk.
func CheckPlaybackFormat(name string) error {
	if !playbackFormatRE.MatchString(name) {
		return fmt.Errorf("invalid playback format %q: want lower-case letters, digits, '_' or '-'", name)
	}
	return nil
}

// CheckParamName reports whether name can be a create or join parameter.
// The checksum is the balancer's own to compute, so no rule may touch it.
func CheckParamName(name string) error {
	if !paramNameRE.MatchString(name) {
		return fmt.Errorf("invalid parameter name %q: want letters, digits, '_', '.' or '-'", name)
	}
	if name == "checksum" {
		return errors.New("the checksum parameter cannot be set or excluded")
	}
	return nil
}

// CheckDomain reports whether name is a DNS domain name usable as the
// multitenancy base domain, such as bbb.example.com.
func CheckDomain(name string) error {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	if name == "" || len(name) > 253 {
		return fmt.Errorf("invalid domain name %q", name)
	}
	if strings.Contains(name, "://") || strings.ContainsAny(name, "/:*") {
		return fmt.Errorf("invalid domain name %q: want a bare domain such as bbb.example.com, without scheme, port, path or wildcard", name)
	}
	for label := range strings.SplitSeq(name, ".") {
		if !domainLabelRE.MatchString(label) {
			return fmt.Errorf("invalid domain name %q: bad label %q", name, label)
		}
	}
	return nil
}

// CheckRedisURL reports whether u is a Redis URL go-redis accepts
// (redis://, rediss:// or unix://). It only parses; errors leave out the
// URL, which may hold a password.
func CheckRedisURL(u string) error {
	if u == "" {
		return errors.New("empty URL")
	}
	if _, err := url.Parse(u); err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("invalid URL: %w", err)
	}
	if _, err := redis.ParseURL(u); err != nil {
		return err
	}
	return nil
}

// CheckPostgresDSN reports whether dsn looks like a PostgreSQL connection
// string: a postgres:// or postgresql:// URL, or libpq key=value pairs. A full
// parse is left to the store, because pgx's reads ~/.pgpass and the
// environment, which validation must not do. Errors leave out the DSN.
func CheckPostgresDSN(dsn string) error {
	fields := strings.Fields(dsn)
	if len(fields) == 0 {
		return errors.New("empty DSN")
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if _, err := url.Parse(dsn); err != nil {
			return errors.New("invalid URL")
		}
		return nil
	}
	if strings.Contains(dsn, "://") {
		return errors.New("unknown URL scheme: want postgres:// or postgresql://")
	}
	// Only the first pair is checked: quoted values may hold spaces.
	if !strings.Contains(fields[0], "=") {
		return errors.New("want a postgres:// URL or key=value pairs")
	}
	return nil
}

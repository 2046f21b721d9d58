package module

import "github.com/caddyserver/caddy/v2"

// StoreConfig chooses where state is kept. Live state goes to Redis when Redis
// is set, else to SQLite; recordings go to PostgreSQL when Postgres is set,
// else to SQLite.
type StoreConfig struct {
	SQLite   *SQLiteConfig   `json:"sqlite,omitempty"`
	Redis    *RedisConfig    `json:"redis,omitempty"`
	Postgres *PostgresConfig `json:"postgres,omitempty"`
}

// SQLiteConfig configures the embedded store.
type SQLiteConfig struct {
	// Path of the database file; default bbb/bbb.db under Caddy's data dir.
	Path string `json:"path,omitempty"`
}

// RedisConfig configures the live store in Redis.
type RedisConfig struct {
	// URL such as redis://:password@host:6379/0 or unix:///run/redis.sock.
	URL string `json:"url,omitempty"`
	// KeyPrefix is put before every key; default "bbb:".
	KeyPrefix string `json:"key_prefix,omitempty"`
}

// PostgresConfig configures the recordings store in PostgreSQL.
type PostgresConfig struct {
	// DSN is a libpq connection string or postgres:// URL.
	DSN string `json:"dsn,omitempty"`
}

// ParamRules adjusts the parameters of create or join calls before they are
// forwarded: excluded params are dropped from the request, then defaults fill
// in what the request lacks and overrides replace what it has.
type ParamRules struct {
	Defaults  map[string]string `json:"defaults,omitempty"`
	Overrides map[string]string `json:"overrides,omitempty"`
	Exclude   []string          `json:"exclude,omitempty"`
}

// RecordingsConfig configures import, the recording API calls and playback.
type RecordingsConfig struct {
	Disabled          bool     `json:"disabled,omitempty"`
	SpoolDir          string   `json:"spool_dir,omitempty"`
	WorkDir           string   `json:"work_dir,omitempty"`
	PublishDir        string   `json:"publish_dir,omitempty"`
	UnpublishDir      string   `json:"unpublish_dir,omitempty"`
	ImportUnpublished bool     `json:"import_unpublished,omitempty"`
	PlaybackFormats   []string `json:"playback_formats,omitempty"`
	// Filtered makes getRecordings require meetingID or recordID.
	Filtered bool `json:"filtered,omitempty"`
	// Protected marks newly imported recordings as protected.
	Protected     bool           `json:"protected,omitempty"`
	TokenTimeout  caddy.Duration `json:"token_timeout,omitempty"`
	CookieTimeout caddy.Duration `json:"cookie_timeout,omitempty"`
	// CookieSecret signs playback cookies; default: generated once and kept
	// in the live store.
	CookieSecret string `json:"cookie_secret,omitempty"`
	// NotFoundPage is an HTML file shown instead of the built-in "Recording
	// Not Found" page for a recording that cannot be played.
	NotFoundPage string `json:"not_found_page,omitempty"`
}

// FSAPIConfig configures the FreeSWITCH dialplan endpoint.
type FSAPIConfig struct {
	// Password for HTTP Basic user "fsapi"; nil means the first secret, ""
	// disables authentication.
	Password *string `json:"password,omitempty"`
	// MaxDuration of a dial-in call in minutes; default max_meeting_duration.
	MaxDuration *int `json:"max_duration,omitempty"`
}

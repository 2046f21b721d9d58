// Package module is the Caddy app "bbb": its configuration, the stores kept
// across reloads, and the background work (poller, importer).
package module

import (
	"errors"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/poller"
	"github.com/caddy-bbb/caddy-bbb/recordings"
	"github.com/caddy-bbb/caddy-bbb/store"
)

func init() {
	caddy.RegisterModule(new(App))
}

// App is the "bbb" Caddy app. Its fields are the JSON configuration exactly as
// written, placeholders and all (so /config/ never shows a resolved secret);
// the effective values, resolved and defaulted by Provision, are read with
// Settings. Runtime state is unexported.
type App struct {
	// Secrets the front-ends sign requests with (LOADBALANCER_SECRET[S]).
	Secrets []string `json:"secrets,omitempty"`
	// ChecksumAlgorithms accepted inbound; default all four.
	ChecksumAlgorithms []string `json:"checksum_algorithms,omitempty"`
	// OutboundChecksum is used towards BBB servers; default sha256.
	OutboundChecksum string `json:"outbound_checksum,omitempty"`

	Store StoreConfig `json:"store,omitzero"`

	PollInterval       caddy.Duration `json:"poll_interval,omitempty"`
	HealthyThreshold   int            `json:"healthy_threshold,omitempty"`
	UnhealthyThreshold int            `json:"unhealthy_threshold,omitempty"`
	ConnectTimeout     caddy.Duration `json:"connect_timeout,omitempty"`
	ResponseTimeout    caddy.Duration `json:"response_timeout,omitempty"`
	LoadMinUserCount   *int           `json:"load_min_user_count,omitempty"`
	LoadJoinBufferTime caddy.Duration `json:"load_join_buffer_time,omitempty"`
	ServerIDIsHostname bool           `json:"server_id_is_hostname,omitempty"`

	// MaxMeetingDuration in minutes; 0 means none.
	MaxMeetingDuration     int    `json:"max_meeting_duration,omitempty"`
	VoiceBridgeLength      int    `json:"voice_bridge_length,omitempty"`
	UseExternalVoiceBridge bool   `json:"use_external_voice_bridge,omitempty"`
	GetMeetingsDisabled    bool   `json:"get_meetings_disabled,omitempty"`
	BuildNumber            string `json:"build_number,omitempty"`

	Create ParamRules `json:"create,omitzero"`
	Join   ParamRules `json:"join,omitzero"`

	Recordings RecordingsConfig `json:"recordings,omitzero"`
	// Multitenancy is the base domain; the tenant is the first label of the
	// Host under it. Empty disables multitenancy.
	Multitenancy string      `json:"multitenancy,omitempty"`
	FSAPI        FSAPIConfig `json:"fsapi,omitzero"`

	logger   *zap.Logger
	settings Settings

	live store.Live
	recs store.Recordings

	client    *bbb.Client
	clientKey string

	// storeKeys are the pool entries this config took (one per use);
	// storeHandles the stores they hold, for migrations.
	storeKeys    []string
	storeHandles []*storeHandle

	poller   *poller.Poller
	importer *recordings.Importer
	bg       *background
}

// Live returns the live store (servers, meetings, tenants, tokens, leases).
func (a *App) Live() store.Live { return a.live }

// RecordingStore returns the recordings store.
func (a *App) RecordingStore() store.Recordings { return a.recs }

// CaddyModule returns the Caddy module information.
func (*App) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "bbb",
		New: func() caddy.Module { return new(App) },
	}
}

// Cleanup releases what Provision took from the reload-surviving pools. It
// also runs after a failed Provision, so it only releases what was taken.
func (a *App) Cleanup() error {
	return errors.Join(a.releaseStores(), a.releaseClient())
}

var (
	_ caddy.App          = (*App)(nil)
	_ caddy.Provisioner  = (*App)(nil)
	_ caddy.Validator    = (*App)(nil)
	_ caddy.CleanerUpper = (*App)(nil)
)

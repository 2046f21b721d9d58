// Package store holds the domain types of caddy-bbb and the two store
// interfaces: Live (servers, meetings, tenants, tokens, leases) and Recordings.
// Backends live in store/sqlite, store/redis and store/postgres; the conformance
// suite in store/storetest runs against each of them.
package store

import (
	"errors"
	"slices"
	"time"
)

// Errors shared by every backend. Backends wrap them with context; callers test
// with errors.Is.
var (
	// ErrNotFound means the thing asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the write would break a uniqueness rule (an id or a
	// tenant name already taken).
	ErrConflict = errors.New("conflict")
	// ErrNoVoiceBridge means every candidate voice bridge is held by another
	// live meeting.
	ErrNoVoiceBridge = errors.New("no free voice bridge")
)

// ServerState is the administrative state of a BBB server.
type ServerState string

// Server states. Only enabled servers receive new meetings; cordoned servers
// keep their meetings but get no new ones; disabled servers are not polled.
const (
	StateEnabled  ServerState = "enabled"
	StateCordoned ServerState = "cordoned"
	StateDisabled ServerState = "disabled"
)

// Valid reports whether s is one of the three states.
func (s ServerState) Valid() bool {
	return s == StateEnabled || s == StateCordoned || s == StateDisabled
}

// Server is one BBB server of the pool.
type Server struct {
	ID     string
	URL    string // API base, e.g. https://bbb1.example.com/bigbluebutton/api
	Secret string
	Tag    string // "" when untagged
	State  ServerState
	// Online is set by the poller; an offline server has no meaningful Load.
	Online bool
	// Load is the server's load as the balancer sees it; only meaningful
	// while Online.
	Load           float64
	LoadMultiplier float64
	Meetings       int
	Users          int
	LargestMeeting int
	Videos         int
	BBBVersion     string
	// Consecutive poll results, reset when the other kind happens.
	HealthyCount   int
	UnhealthyCount int
}

// Placeable reports whether the server may receive new meetings.
func (s Server) Placeable() bool { return s.State == StateEnabled && s.Online }

// Meeting binds a front-end meeting to the BBB server that runs it. The key is
// (Tenant, ID): two tenants may use the same meeting ID.
type Meeting struct {
	Tenant      string // tenant id, "" without multitenancy
	ID          string // the front-end's meetingID, also used on the BBB server
	ServerID    string
	ModeratorPW string
	VoiceBridge string
	CreatedAt   time.Time
	// ExpectedLoad is what placing this meeting added to its server's load.
	ExpectedLoad float64
	// Live figures, refreshed by the poller.
	Participants int
	Moderators   int
	Videos       int
}

// MeetingStats is what the poller saw of one meeting on a server.
type MeetingStats struct {
	Tenant       string
	ID           string
	Participants int
	Moderators   int
	Videos       int
}

// MeetingFilter narrows Meetings; empty fields do not filter.
type MeetingFilter struct {
	Tenant   string
	ServerID string
	// ID matches one front-end meeting ID; with AnyTenant it finds that ID
	// under every tenant.
	ID string
	// AnyTenant lists meetings of every tenant; otherwise Tenant is matched
	// exactly ("" = meetings without a tenant).
	AnyTenant bool
}

// Tenant is a customer of a multi-tenant load balancer, addressed as
// <name>.<base domain>, with its own secrets.
type Tenant struct {
	ID      string
	Name    string // unique
	Secrets []string
}

// TenantSetting is a create/join parameter a tenant sets by default (the
// request may change it) or overrides (the request cannot).
type TenantSetting struct {
	Param    string
	Value    string
	Override bool
}

// Token is a one-time protected-recording token's payload.
type Token struct {
	RecordID string
	Format   string
}

// Recording is one recording and its playback formats.
type Recording struct {
	RecordID     string
	MeetingID    string // external meeting ID
	Name         string
	Published    bool
	Protected    bool
	State        string // processing|processed|published|unpublished|deleted
	Participants int
	StartTime    time.Time
	EndTime      time.Time
	// Metadata holds the meta keys of metadata.xml (tenant-id among them).
	Metadata map[string]string
	Formats  []PlaybackFormat // ordered by Format
	// PublishUpdated is set once publishRecordings changed Published; a
	// re-import then keeps Published.
	PublishUpdated bool
	// ProtectUpdated is set once updateRecordings changed Protected; a
	// re-import then keeps Protected.
	ProtectUpdated bool
	UpdatedAt      time.Time
}

// Tenant returns the recording's tenant id (its tenant-id metadata).
func (r Recording) Tenant() string { return r.Metadata["tenant-id"] }

// PlaybackFormat is one way to play a recording.
type PlaybackFormat struct {
	Format         string // presentation, video, …
	URL            string // path and query only, e.g. /playback/presentation/2.3/<id>
	Length         int    // minutes
	ProcessingTime int    // milliseconds
	Previews       []Preview
}

// Preview is a thumbnail of a playback format.
type Preview struct {
	URL    string // path only
	Width  int
	Height int
	Alt    string
}

// RecordingQuery selects recordings as getRecordings does. Conditions are
// ANDed; an empty field does not filter.
type RecordingQuery struct {
	MeetingIDs []string // exact external meeting IDs
	RecordIDs  []string // case-sensitive prefixes
	// States to include; empty means published and unpublished; a list
	// containing "any" means every state.
	States []string
	// Meta filters on metadata: every key must be present and match. A value
	// may start and/or end with % as a wildcard.
	Meta map[string]string
	// Tenant restricts to recordings whose tenant-id metadata equals it.
	Tenant string
	Offset int
	Limit  int // 0 means no limit
}

// defaultRecordingStates are what getRecordings lists without a state
// parameter.
var defaultRecordingStates = []string{"published", "unpublished"}

// StatesToMatch returns the states a recording must be in to match q, and
// nil when any state matches.
func (q RecordingQuery) StatesToMatch() []string {
	switch {
	case slices.Contains(q.States, "any"):
		return nil
	case len(q.States) > 0:
		return q.States
	default:
		return defaultRecordingStates
	}
}

// CallbackData is what create captured for a meeting, fired after its
// recordings are imported.
type CallbackData struct {
	Tenant            string
	MeetingID         string
	RecordingReadyURL string
	AnalyticsURL      string
}

// ReadyCallback is a recording-ready callback waiting to be sent or retried.
type ReadyCallback struct {
	RecordID  string
	Tenant    string
	MeetingID string
	// Attempts is how many tries have failed so far.
	Attempts int
	// Due is when the next try is due.
	Due time.Time
}

// MeetingIDs returns the front-end meeting IDs of ms, in order.
func MeetingIDs(ms []Meeting) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

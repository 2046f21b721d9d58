package store

import (
	"context"
	"time"
)

// Live holds the live state of the pool: servers, meeting bindings, voice
// bridges, tenants and their settings, one-time tokens, leases and small
// cluster-wide values. Its backends are SQLite (one node) and Redis (a
// cluster). Every method is safe for concurrent use, across goroutines and
// across nodes sharing the backend.
type Live interface {
	// Servers returns every server, ordered by id.
	Servers(ctx context.Context) ([]Server, error)
	// Server returns one server or ErrNotFound.
	Server(ctx context.Context, id string) (Server, error)
	// AddServer stores a new server; ErrConflict if the id is taken.
	AddServer(ctx context.Context, s Server) error
	// UpdateServer applies fn to the stored server and saves the result
	// atomically: a concurrent update is never lost (fn may be called again
	// with fresh data). fn must not change the id. An error from fn aborts
	// the update and is returned as is.
	UpdateServer(ctx context.Context, id string, fn func(*Server) error) (Server, error)
	// DeleteServer removes a server and every meeting binding on it, and
	// returns those bindings.
	DeleteServer(ctx context.Context, id string) ([]Meeting, error)
	// PlaceableServers returns the enabled, online servers ordered by load,
	// then id.
	PlaceableServers(ctx context.Context) ([]Server, error)
	// AddServerLoad adds delta to an online server's load; it does nothing
	// for an unknown or offline server.
	AddServerLoad(ctx context.Context, id string, delta float64) error

	// BindMeeting binds m if (m.Tenant, m.ID) has no binding yet, taking the
	// first voice bridge of bridges that no other live meeting holds (a
	// bridge this meeting already holds counts as free). It returns the
	// binding in force and whether this call created it. Of many concurrent
	// calls for one meeting exactly one creates it. With no free bridge it
	// returns ErrNoVoiceBridge and binds nothing.
	BindMeeting(ctx context.Context, m Meeting, bridges []string) (Meeting, bool, error)
	// Meeting returns the binding of (tenant, id) or ErrNotFound.
	Meeting(ctx context.Context, tenant, id string) (Meeting, error)
	// MeetingServer returns the binding of (tenant, id) and its server in one
	// step; ErrNotFound if either is missing.
	MeetingServer(ctx context.Context, tenant, id string) (Meeting, Server, error)
	// MeetingByVoiceBridge returns the live meeting holding a voice bridge.
	MeetingByVoiceBridge(ctx context.Context, bridge string) (Meeting, error)
	// Meetings lists bindings, ordered by tenant then id.
	Meetings(ctx context.Context, f MeetingFilter) ([]Meeting, error)
	// DeleteMeeting removes a binding and frees its voice bridge; it returns
	// the removed binding or ErrNotFound.
	DeleteMeeting(ctx context.Context, tenant, id string) (Meeting, error)
	// RemoveServerMeetings removes every binding on a server in one step
	// and returns them.
	RemoveServerMeetings(ctx context.Context, serverID string) ([]Meeting, error)
	// SyncServerMeetings reconciles a server's bindings with a poll of it:
	// bindings found in seen get their live figures updated; bindings not in
	// seen that were created before pollStarted are removed and returned.
	// Bindings created after pollStarted are left alone, since the poll could
	// not have seen them.
	SyncServerMeetings(ctx context.Context, serverID string, pollStarted time.Time, seen []MeetingStats) ([]Meeting, error)

	// Tenants returns every tenant, ordered by name.
	Tenants(ctx context.Context) ([]Tenant, error)
	// Tenant returns a tenant by id or ErrNotFound.
	Tenant(ctx context.Context, id string) (Tenant, error)
	// TenantByName returns a tenant by name or ErrNotFound.
	TenantByName(ctx context.Context, name string) (Tenant, error)
	// AddTenant stores a new tenant; ErrConflict if its id or name is taken.
	AddTenant(ctx context.Context, t Tenant) error
	// UpdateTenant replaces a tenant's name and secrets; ErrNotFound, or
	// ErrConflict if the new name is taken by another tenant.
	UpdateTenant(ctx context.Context, t Tenant) error
	// DeleteTenant removes a tenant and its settings.
	DeleteTenant(ctx context.Context, id string) error
	// TenantSettings returns a tenant's settings, ordered by param.
	TenantSettings(ctx context.Context, tenantID string) ([]TenantSetting, error)
	// SetTenantSettings replaces all of a tenant's settings.
	SetTenantSettings(ctx context.Context, tenantID string, settings []TenantSetting) error

	// PutToken stores a one-time token for ttl.
	PutToken(ctx context.Context, token string, t Token, ttl time.Duration) error
	// ConsumeToken returns and deletes a token: of concurrent calls exactly
	// one succeeds; the others, and any call after expiry, get ErrNotFound.
	ConsumeToken(ctx context.Context, token string) (Token, error)

	// AcquireLease takes or renews the named lease for holder until now+ttl.
	// It succeeds when the lease is free, expired or already held by holder,
	// and reports whether holder holds it now.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// ReleaseLease frees the lease if holder holds it.
	ReleaseLease(ctx context.Context, name, holder string) error

	// LoadOrStoreValue returns the stored value of key, storing value first
	// if the key has none, so every node agrees on one value.
	LoadOrStoreValue(ctx context.Context, key, value string) (string, error)

	// Ping checks that the backend answers.
	Ping(ctx context.Context) error
	// Close releases the backend's connections.
	Close() error
}

// Recordings holds recordings and the callback data captured at create.
// Its backends are SQLite (one node) and PostgreSQL (a cluster).
type Recordings interface {
	// UpsertRecording stores an imported recording, merging with a stored
	// one: metadata keys and formats are added or replaced, never dropped;
	// Published is kept when the stored recording has PublishUpdated, and
	// Protected when it has ProtectUpdated. It returns the result.
	UpsertRecording(ctx context.Context, r Recording) (Recording, error)
	// Recording returns one recording by exact id or ErrNotFound.
	Recording(ctx context.Context, recordID string) (Recording, error)
	// FindRecordings returns the recordings with exactly these ids, in any
	// state; with tenant != "" only that tenant's.
	FindRecordings(ctx context.Context, recordIDs []string, tenant string) ([]Recording, error)
	// QueryRecordings runs a getRecordings query: matches ordered by start
	// time, newest first (then record id), the page asked for, and the total
	// number of matches.
	QueryRecordings(ctx context.Context, q RecordingQuery) ([]Recording, int, error)
	// SetPublished sets Published, PublishUpdated and State
	// (published/unpublished) of the given recordings.
	SetPublished(ctx context.Context, recordIDs []string, published bool) error
	// UpdateMetadata sets (non-empty value) or deletes (empty value) metadata
	// keys on the given recordings.
	UpdateMetadata(ctx context.Context, recordIDs []string, meta map[string]string) error
	// SetProtected sets Protected and ProtectUpdated of the given recordings.
	SetProtected(ctx context.Context, recordIDs []string, protected bool) error
	// MarkDeleted sets the state of the given recordings to deleted and
	// Published to false; the rows stay.
	MarkDeleted(ctx context.Context, recordIDs []string) error
	// AssignTenant sets tenant-id (and tenant-name) metadata on every
	// recording that has no tenant-id, and returns how many it changed.
	AssignTenant(ctx context.Context, tenantID, tenantName string) (int, error)

	// PutCallback stores (replaces) the callback data of a meeting.
	PutCallback(ctx context.Context, c CallbackData) error
	// Callback returns the callback data of a meeting or ErrNotFound.
	Callback(ctx context.Context, tenant, meetingID string) (CallbackData, error)

	// PutReadyCallback stores (replaces) the pending recording-ready
	// callback of a recording, keyed by its record id, so a callback
	// still waiting for its receiver outlives a restart.
	PutReadyCallback(ctx context.Context, c ReadyCallback) error
	// ReadyCallbacks returns every pending recording-ready callback, the
	// earliest due first (then by record id).
	ReadyCallbacks(ctx context.Context) ([]ReadyCallback, error)
	// DeleteReadyCallback removes the pending callback of a recording; it
	// is not an error when there is none.
	DeleteReadyCallback(ctx context.Context, recordID string) error

	// Ping checks that the backend answers.
	Ping(ctx context.Context) error
	// Close releases the backend's connections.
	Close() error
}

// Migrator is implemented by backends with a schema. Migrate brings the
// schema up to date; it is safe to run from several nodes at once and is
// called when the app starts, never during config validation.
type Migrator interface {
	Migrate(ctx context.Context) error
}

// Package storetest is the conformance suite every store backend runs, so the
// backends cannot drift apart, and the helpers tests use to reach the test
// PostgreSQL and Redis.
package storetest

import (
	"testing"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// LiveFactory returns a fresh, empty, migrated live store for one test. It
// registers its own cleanup with t.Cleanup.
type LiveFactory func(t *testing.T) store.Live

// RecordingsFactory returns a fresh, empty, migrated recordings store for one
// test. It registers its own cleanup with t.Cleanup.
type RecordingsFactory func(t *testing.T) store.Recordings

// RunLive runs the live-store conformance suite against a backend.
func RunLive(t *testing.T, newStore LiveFactory) {
	t.Helper()
	tests := []struct {
		name string
		run  func(*testing.T, LiveFactory)
	}{
		{"Ping", testPing},
		{"Servers/AddAndGet", testServerAddAndGet},
		{"Servers/AddConflict", testServerAddConflict},
		{"Servers/Update", testServerUpdate},
		{"Servers/UpdateConcurrent", testServerUpdateConcurrent},
		{"Servers/Delete", testServerDelete},
		{"Servers/Placeable", testPlaceableServers},
		{"Servers/AddLoad", testAddServerLoad},
		{"Servers/AddLoadConcurrent", testAddServerLoadConcurrent},
		{"Meetings/Bind", testBindMeeting},
		{"Meetings/BindTenants", testBindMeetingTenants},
		{"Meetings/BindVoiceBridge", testBindMeetingVoiceBridge},
		{"Meetings/BindNoVoiceBridge", testBindMeetingNoVoiceBridge},
		{"Meetings/BindConcurrentSame", testBindMeetingConcurrentSame},
		{"Meetings/BindConcurrentBridges", testBindMeetingConcurrentBridges},
		{"Meetings/MeetingServer", testMeetingServer},
		{"Meetings/List", testMeetingsList},
		{"Meetings/Delete", testDeleteMeeting},
		{"Meetings/RemoveServerMeetings", testRemoveServerMeetings},
		{"Meetings/Sync", testSyncServerMeetings},
		{"Tenants/AddAndGet", testTenantAddAndGet},
		{"Tenants/AddConflict", testTenantAddConflict},
		{"Tenants/Update", testTenantUpdate},
		{"Tenants/Delete", testTenantDelete},
		{"Tenants/Settings", testTenantSettings},
		{"Tokens/Consume", testTokenConsume},
		{"Tokens/Expiry", testTokenExpiry},
		{"Tokens/ConsumeConcurrent", testTokenConsumeConcurrent},
		{"Leases/AcquireRelease", testLeaseAcquireRelease},
		{"Leases/Expiry", testLeaseExpiry},
		{"Leases/Renew", testLeaseRenew},
		{"Leases/Concurrent", testLeaseConcurrent},
		{"Values/LoadOrStore", testLoadOrStoreValue},
		{"Values/LoadOrStoreConcurrent", testLoadOrStoreValueConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore) })
	}
}

// RunRecordings runs the recordings-store conformance suite against a backend.
func RunRecordings(t *testing.T, newStore RecordingsFactory) {
	t.Helper()
	tests := []struct {
		name string
		run  func(*testing.T, RecordingsFactory)
	}{
		{"Ping", testRecordingsPing},
		{"RoundTrip", testRecordingRoundTrip},
		{"NotFound", testRecordingNotFound},
		{"UpsertMerge", testUpsertMerge},
		{"UpsertKeepsPublished", testUpsertKeepsPublished},
		{"UpsertKeepsProtected", testUpsertKeepsProtected},
		{"Query", testQueryRecordings},
		{"QueryOrderAndPages", testQueryOrderAndPages},
		{"Find", testFindRecordings},
		{"SetPublished", testSetPublished},
		{"UpdateMetadata", testUpdateMetadata},
		{"SetProtected", testSetProtected},
		{"MarkDeleted", testMarkDeleted},
		{"AssignTenant", testAssignTenant},
		{"Callbacks", testCallbacks},
		{"ReadyCallbacks", testReadyCallbacks},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore) })
	}
}

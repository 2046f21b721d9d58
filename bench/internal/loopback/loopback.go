// Package loopback holds what the benchmarks need to serve on this machine
// only.
package loopback

import (
	"fmt"
	"net"
)

// FreeAddr returns a loopback address with a port that was free a moment
// ago, for a server under test to listen on.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	return addr, nil
}

package pool

import (
	"net"
	"strings"
)

// TenantNameFromHost returns the tenant name a request's host addresses
// under baseDomain: the single label in front of it, as in
// room1.bbb.example.com for base domain bbb.example.com. The host may carry a
// port and a trailing dot, and case does not matter; the name is returned in
// lower case. The base domain itself, hosts outside it, and hosts with more
// than one label in front of it (a.b.bbb.example.com) have no tenant: a
// wildcard certificate does not cover them, and allowing them would let any
// label be put in front of a tenant's name. A name must be a DNS label:
// letters, digits and hyphens, at most 63 characters.
func TenantNameFromHost(host, baseDomain string) (string, bool) {
	base := NormalizeHost(baseDomain)
	if base == "" {
		return "", false
	}
	name, ok := strings.CutSuffix(NormalizeHost(host), "."+base)
	if !ok || !IsTenantName(name) {
		return "", false
	}
	return name, true
}

// NormalizeHost lower-cases a host and strips its port and one trailing dot.
func NormalizeHost(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	return strings.ToLower(host)
}

// IsTenantName reports whether s can name a tenant: one lower-case DNS label
// (a-z, 0-9 and '-', at most 63 characters, no '-' at either end), since it
// is the first label of the tenant's host name.
func IsTenantName(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, c := range []byte(s) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

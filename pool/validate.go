package pool

import (
	"crypto/rand"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strings"
)

var (
	serverIDRE  = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)
	paramNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

// maxIDLength bounds server ids and tenant names so they stay usable as
// store keys and host labels.
const maxIDLength = 255

// checkServerID reports whether id can name a server: it appears in URLs of
// the admin API and in the servers document, so it keeps to a safe alphabet.
func checkServerID(id string) error {
	if len(id) > maxIDLength || !serverIDRE.MatchString(id) {
		return invalidf("invalid server id %q: want letters, digits, '_', '.' or '-'", id)
	}
	return nil
}

// checkServerURL reports whether raw is a usable BBB API base URL: http or
// https with a host. The URL itself is not echoed back: an operator may have
// put credentials in it.
func checkServerURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, invalidf("a server needs a url")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, invalidf("invalid server url: not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, invalidf("invalid server url: the scheme must be http or https")
	}
	if u.Hostname() == "" {
		return nil, invalidf("invalid server url: it has no host")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, invalidf("invalid server url: it must not have a query or fragment (the API base, e.g. https://bbb1.example.com/bigbluebutton/api)")
	}
	return u, nil
}

// checkSecret reports whether s can be a shared secret.
func checkSecret(what, s string) error {
	if s == "" {
		return invalidf("%s needs a secret", what)
	}
	if strings.TrimSpace(s) != s || strings.ContainsAny(s, "\r\n") {
		return invalidf("%s: a secret must not have surrounding white space or line breaks", what)
	}
	return nil
}

// checkLoadMultiplier reports whether m can weigh a server's load.
func checkLoadMultiplier(m float64) error {
	if math.IsNaN(m) || math.IsInf(m, 0) || m <= 0 {
		return invalidf("load_multiplier must be a number greater than 0")
	}
	return nil
}

// checkTag reports whether t can be a server tag. Placement reads
// meta_server-tag as a ';'-separated list with an optional trailing '!', and
// "none" means untagged there, so a tag using those could never be asked for.
func checkTag(t string) error {
	if t == "" {
		return nil
	}
	if strings.ContainsAny(t, ";! \t\r\n") || t == "none" {
		return invalidf("invalid tag %q: a tag must not contain ';', '!' or white space, nor be \"none\"", t)
	}
	return nil
}

// checkTenantName reports whether name can name a tenant: it is the first
// label of the tenant's host name, which arrives lower-cased.
func checkTenantName(name string) error {
	if name == "" {
		return invalidf("a tenant needs a name")
	}
	if !IsTenantName(name) {
		return invalidf("invalid tenant name %q: want a lower-case DNS label (a-z, 0-9 and '-', at most 63 characters, not starting or ending with '-')", name)
	}
	return nil
}

// checkTenantSecrets reports whether secrets can be a tenant's secrets.
func checkTenantSecrets(secrets []string) error {
	if len(secrets) == 0 {
		return invalidf("a tenant needs at least one secret")
	}
	seen := make(map[string]bool, len(secrets))
	for i, s := range secrets {
		if err := checkSecret(fmt.Sprintf("tenant secret %d", i+1), s); err != nil {
			return err
		}
		if seen[s] {
			return invalidf("tenant secret %d repeats an earlier one", i+1)
		}
		seen[s] = true
	}
	return nil
}

// checkParamName reports whether name can be a create or join parameter of a
// tenant setting. The checksum is the balancer's own to compute.
func checkParamName(name string) error {
	if !paramNameRE.MatchString(name) {
		return invalidf("invalid parameter name %q: want letters, digits, '_', '.' or '-'", name)
	}
	if strings.EqualFold(name, "checksum") {
		return invalidf("the checksum parameter cannot be set")
	}
	return nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	// crypto/rand.Read never fails (it panics if the system has no source).
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Package bbb implements the BigBlueButton API protocol: request checksums,
// signed outbound URLs, the XML documents of the API and a client for BBB
// servers. It knows nothing of Caddy.
package bbb

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// Algorithm names a checksum hash as BBB's supportedChecksumAlgorithms does.
type Algorithm string

// The checksum algorithms BBB accepts, chosen by the hex length of a checksum.
const (
	SHA1   Algorithm = "sha1"
	SHA256 Algorithm = "sha256"
	SHA384 Algorithm = "sha384"
	SHA512 Algorithm = "sha512"
)

// Algorithms lists every supported algorithm, weakest first.
var Algorithms = []Algorithm{SHA1, SHA256, SHA384, SHA512}

// ErrChecksum is returned when a request fails the checksum check.
var ErrChecksum = errors.New("checksum mismatch")

// ParseAlgorithm returns the algorithm for a name such as "sha256" or "SHA256".
func ParseAlgorithm(name string) (Algorithm, error) {
	a := Algorithm(strings.ToLower(strings.TrimSpace(name)))
	for _, known := range Algorithms {
		if a == known {
			return a, nil
		}
	}
	return "", fmt.Errorf("unknown checksum algorithm %q (want sha1, sha256, sha384 or sha512)", name)
}

// AlgorithmForLength returns the algorithm whose hex digest has n characters.
func AlgorithmForLength(n int) (Algorithm, bool) {
	switch n {
	case 40:
		return SHA1, true
	case 64:
		return SHA256, true
	case 96:
		return SHA384, true
	case 128:
		return SHA512, true
	}
	return "", false
}

func (a Algorithm) newHash() hash.Hash {
	switch a {
	case SHA1:
		return sha1.New()
	case SHA384:
		return sha512.New384()
	case SHA512:
		return sha512.New()
	default:
		return sha256.New()
	}
}

// Checksum returns the lowercase hex checksum of call+query+secret. An unknown
// algorithm hashes with SHA-256.
func Checksum(a Algorithm, call, query, secret string) string {
	h := a.newHash()
	h.Write([]byte(call))
	h.Write([]byte(query))
	h.Write([]byte(secret))
	return hex.EncodeToString(h.Sum(nil))
}

// StripChecksum removes the checksum parameter from a raw query string the way
// BBB does: by plain string removal of the first of "&checksum=<v>",
// "checksum=<v>&" and "checksum=<v>" that occurs, with no decoding, so the
// remaining bytes are exactly what the client signed.
func StripChecksum(rawQuery, checksum string) string {
	for _, pattern := range []string{"&checksum=" + checksum, "checksum=" + checksum + "&", "checksum=" + checksum} {
		if i := strings.Index(rawQuery, pattern); i >= 0 {
			return rawQuery[:i] + rawQuery[i+len(pattern):]
		}
	}
	return rawQuery
}

// Verifier checks inbound checksums against an allow-list of algorithms.
// The zero value allows every algorithm.
type Verifier struct {
	// Allowed lists the accepted algorithms; empty means all four.
	Allowed []Algorithm
}

func (v Verifier) allows(a Algorithm) bool {
	if len(v.Allowed) == 0 {
		return true
	}
	for _, x := range v.Allowed {
		if x == a {
			return true
		}
	}
	return false
}

// Verify checks checksum for call over rawQuery (the raw URL query string,
// checksum parameter still in it) against each secret in turn. The algorithm is
// chosen by the checksum's length and must be allowed; hex digits compare
// case-insensitively and in constant time. It returns the index of the secret
// that matched, or ErrChecksum.
func (v Verifier) Verify(call, rawQuery, checksum string, secrets []string) (int, error) {
	a, ok := AlgorithmForLength(len(checksum))
	if !ok || !v.allows(a) || len(secrets) == 0 {
		return -1, ErrChecksum
	}
	got := []byte(strings.ToLower(checksum))
	signed := StripChecksum(rawQuery, checksum)
	match := -1
	for i, secret := range secrets {
		want := []byte(Checksum(a, call, signed, secret))
		// Every secret is tried so the time taken does not reveal which matched.
		if subtle.ConstantTimeCompare(got, want) == 1 && match < 0 {
			match = i
		}
	}
	if match < 0 {
		return -1, ErrChecksum
	}
	return match, nil
}

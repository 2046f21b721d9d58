package bbb

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strings"
	"time"
)

// The JWT algorithms BBB callbacks use: HS256 for recording-ready, HS512 for
// analytics.
const (
	HS256 = "HS256"
	HS512 = "HS512"
)

// ErrInvalidToken means a JWT is malformed, signed with another key or
// algorithm, or expired.
var ErrInvalidToken = errors.New("invalid token")

var b64 = base64.RawURLEncoding

func jwtHash(alg string) (func() hash.Hash, error) {
	switch alg {
	case HS256:
		return sha256.New, nil
	case HS512:
		return sha512.New, nil
	}
	return nil, fmt.Errorf("unsupported JWT algorithm %q", alg)
}

// SignJWT returns a compact JWT of claims signed with secret by alg (HS256 or
// HS512).
func SignJWT(alg string, claims any, secret string) (string, error) {
	newHash, err := jwtHash(alg)
	if err != nil {
		return "", err
	}
	header, err := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	if err != nil {
		return "", fmt.Errorf("encode JWT header: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode JWT claims: %w", err)
	}
	signing := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	mac := hmac.New(newHash, []byte(secret))
	mac.Write([]byte(signing))
	return signing + "." + b64.EncodeToString(mac.Sum(nil)), nil
}

// VerifyJWT checks that token is signed by alg with one of secrets and, when
// it carries exp or nbf, that now lies in its validity; it returns the claims.
// The algorithm is fixed by the caller, never taken from the token, so a
// token cannot choose "none" or a weaker algorithm. Every failure is
// ErrInvalidToken, wrapped with the reason.
func VerifyJWT(token, alg string, secrets []string, now time.Time) (map[string]any, error) {
	newHash, err := jwtHash(alg)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: want 3 parts, got %d", ErrInvalidToken, len(parts))
	}
	headerJSON, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrInvalidToken, err)
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(headerJSON, &header); err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrInvalidToken, err)
	}
	if header.Alg != alg {
		return nil, fmt.Errorf("%w: algorithm %q, want %s", ErrInvalidToken, header.Alg, alg)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %w", ErrInvalidToken, err)
	}
	signing := []byte(parts[0] + "." + parts[1])
	valid := false
	for _, secret := range secrets {
		mac := hmac.New(newHash, []byte(secret))
		mac.Write(signing)
		if hmac.Equal(sig, mac.Sum(nil)) {
			valid = true
			break
		}
	}
	if !valid {
		return nil, fmt.Errorf("%w: signature does not match", ErrInvalidToken)
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("%w: claims: %w", ErrInvalidToken, err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fmt.Errorf("%w: claims: %w", ErrInvalidToken, err)
	}
	if exp, ok := claims["exp"]; ok {
		t, ok := exp.(float64)
		if !ok || !now.Before(time.Unix(int64(t), 0)) {
			return nil, fmt.Errorf("%w: expired", ErrInvalidToken)
		}
	}
	if nbf, ok := claims["nbf"]; ok {
		t, ok := nbf.(float64)
		if !ok || now.Before(time.Unix(int64(t), 0)) {
			return nil, fmt.Errorf("%w: not valid yet", ErrInvalidToken)
		}
	}
	return claims, nil
}

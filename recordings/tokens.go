package recordings

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// DefaultTokenTimeout is how long a playback token stays valid when no
// timeout is configured (Scalelite's PROTECTED_RECORDINGS_TOKEN_TIMEOUT).
const DefaultTokenTimeout = 60 * time.Minute

// tokenBytes is the entropy of a token; its hex form is twice as long.
const tokenBytes = 32

// ErrInvalidToken means a playback token is malformed, unknown, expired,
// already used, or minted for another recording or format.
var ErrInvalidToken = errors.New("invalid playback token")

// Tokens mints and redeems the one-time tokens that open a protected
// recording (spec/scalelite.md §9.3). They live in the live store so that any
// node can redeem a token another node minted.
type Tokens struct {
	Live store.Live
	// TTL is how long a token stays valid; DefaultTokenTimeout when <= 0.
	TTL time.Duration
}

// Mint stores a new token for one format of a recording and returns it.
func (t Tokens) Mint(ctx context.Context, recordID, format string) (string, error) {
	token, err := newToken()
	if err != nil {
		return "", err
	}
	ttl := t.TTL
	if ttl <= 0 {
		ttl = DefaultTokenTimeout
	}
	if err := t.Live.PutToken(ctx, token, store.Token{RecordID: recordID, Format: format}, ttl); err != nil {
		return "", fmt.Errorf("store playback token for %s/%s: %w", recordID, format, err)
	}
	return token, nil
}

// Redeem consumes token and checks that it was minted for this recording and
// format. A token that does not qualify is ErrInvalidToken; any other error
// is the store's. A malformed token never reaches the store.
func (t Tokens) Redeem(ctx context.Context, token, recordID, format string) error {
	if !ValidToken(token) {
		return fmt.Errorf("%w: malformed", ErrInvalidToken)
	}
	got, err := t.Live.ConsumeToken(ctx, token)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: unknown, used or expired", ErrInvalidToken)
	}
	if err != nil {
		return fmt.Errorf("consume playback token: %w", err)
	}
	if got.RecordID != recordID || got.Format != format {
		return fmt.Errorf("%w: minted for another recording or format", ErrInvalidToken)
	}
	return nil
}

// ValidToken reports whether s has the shape of a token: 64 lower-case hex
// digits, as Scalelite checks before it asks Redis.
func ValidToken(s string) bool {
	if len(s) != 2*tokenBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func newToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate playback token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

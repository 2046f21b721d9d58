package recordings

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/redis"
	"github.com/caddy-bbb/caddy-bbb/store/sqlite"
	"github.com/caddy-bbb/caddy-bbb/store/storetest"
)

// openStore returns a migrated SQLite store in a temporary directory: it
// holds both the live state and the recordings.
func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "bbb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(testContext(t)); err != nil {
		t.Fatal(err)
	}
	return s
}

// liveStores runs fn on each live-store backend: SQLite, and Redis under a
// key prefix of its own.
func liveStores(t *testing.T, fn func(t *testing.T, live store.Live)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, openStore(t)) })
	t.Run("redis", func(t *testing.T) {
		prefix := fmt.Sprintf("recordings-test-%d:", time.Now().UnixNano())
		s, err := redis.Open(storetest.RedisURL(t), prefix)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(testContext(t)); err != nil {
			t.Fatal(err)
		}
		fn(t, s)
	})
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestValidToken(t *testing.T) {
	tests := []struct {
		token string
		want  bool
	}{
		{strings.Repeat("0123456789abcdef", 4), true},
		{strings.Repeat("0123456789ABCDEF", 4), false},
		{strings.Repeat("a", 63), false},
		{strings.Repeat("a", 65), false},
		{strings.Repeat("g", 64), false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ValidToken(tt.token); got != tt.want {
			t.Errorf("ValidToken(%q) = %v, want %v", tt.token, got, tt.want)
		}
	}
}

func TestTokens(t *testing.T) { liveStores(t, testTokens) }

func testTokens(t *testing.T, s store.Live) {
	ctx := testContext(t)
	tokens := Tokens{Live: s, TTL: time.Minute}
	mint := func() string {
		t.Helper()
		tok, err := tokens.Mint(ctx, "rec-1", "presentation")
		if err != nil {
			t.Fatal(err)
		}
		if !ValidToken(tok) {
			t.Fatalf("minted token %q is not 64 hex digits", tok)
		}
		return tok
	}
	a, b := mint(), mint()
	if a == b {
		t.Fatal("two mints gave the same token")
	}

	tests := []struct {
		name     string
		token    string
		recordID string
		format   string
		wantErr  bool
	}{
		{"right", a, "rec-1", "presentation", false},
		{"used twice", a, "rec-1", "presentation", true},
		{"another recording", b, "rec-2", "presentation", true},
		{"consumed by the mismatch", b, "rec-1", "presentation", true},
		{"another format", mint(), "rec-1", "video", true},
		{"malformed", "not-a-token", "rec-1", "presentation", true},
		{"unknown", strings.Repeat("0", 64), "rec-1", "presentation", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tokens.Redeem(ctx, tt.token, tt.recordID, tt.format)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Redeem = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrInvalidToken) {
				t.Errorf("Redeem = %v, want ErrInvalidToken", err)
			}
		})
	}

	// The TTL is the store's: an expired token is refused.
	short := Tokens{Live: s, TTL: time.Millisecond}
	tok, err := short.Mint(ctx, "rec-1", "presentation")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if err := short.Redeem(ctx, tok, "rec-1", "presentation"); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("expired token: Redeem = %v, want ErrInvalidToken", err)
	}
	if _, err := s.ConsumeToken(ctx, tok); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired token still in the store: %v", err)
	}
}

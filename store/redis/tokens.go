package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// storedToken is a token's value as kept under <prefix>token:<token>.
type storedToken struct {
	RecordID string `json:"record_id"`
	Format   string `json:"format"`
}

// PutToken stores a one-time token that Redis expires after ttl. Tokens are
// secrets, so errors name the recording, never the token.
func (s *Store) PutToken(ctx context.Context, token string, t store.Token, ttl time.Duration) error {
	b, err := json.Marshal(storedToken(t))
	if err == nil {
		err = s.rdb.Set(ctx, s.key("token:", token), b, atLeastMillisecond(ttl)).Err()
	}
	if err != nil {
		return fmt.Errorf("redis: put token for recording %s: %w", t.RecordID, err)
	}
	return nil
}

// ConsumeToken returns and deletes a token with one GETDEL, so of concurrent
// calls exactly one gets it; the others, and any call after expiry, get
// store.ErrNotFound.
func (s *Store) ConsumeToken(ctx context.Context, token string) (store.Token, error) {
	b, err := s.rdb.GetDel(ctx, s.key("token:", token)).Bytes()
	if errors.Is(err, goredis.Nil) {
		return store.Token{}, fmt.Errorf("redis: consume token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("redis: consume token: %w", err)
	}
	var t storedToken
	if err := json.Unmarshal(b, &t); err != nil {
		return store.Token{}, fmt.Errorf("redis: consume token: undecodable value: %w", err)
	}
	return store.Token(t), nil
}

// AcquireLease takes a free lease (SET NX PX) or renews one holder already
// has, in one script, and reports whether holder holds it now. Redis expires
// the lease after ttl.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	ms := strconv.FormatInt(atLeastMillisecond(ttl).Milliseconds(), 10)
	n, err := acquireLeaseScript.Run(ctx, s.rdb, nil, s.prefix, name, holder, ms).Int()
	if err != nil {
		return false, fmt.Errorf("redis: acquire lease %s for %s: %w", name, holder, err)
	}
	return n == 1, nil
}

// ReleaseLease frees the lease if holder holds it, in one script.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if err := releaseLeaseScript.Run(ctx, s.rdb, nil, s.prefix, name, holder).Err(); err != nil {
		return fmt.Errorf("redis: release lease %s for %s: %w", name, holder, err)
	}
	return nil
}

// LoadOrStoreValue returns the stored value of key, storing value first if
// the key has none. SET NX and GET go in one pipeline on one connection, so
// the GET sees whichever SET won.
func (s *Store) LoadOrStoreValue(ctx context.Context, key, value string) (string, error) {
	k := s.key("value:", key)
	pipe := s.rdb.Pipeline()
	pipe.SetNX(ctx, k, value, 0)
	get := pipe.Get(ctx, k)
	if _, err := pipe.Exec(ctx); err != nil {
		return "", fmt.Errorf("redis: load or store value %s: %w", key, err)
	}
	return get.Val(), nil
}

// atLeastMillisecond rounds ttl up to Redis's expiry resolution: PX takes
// whole milliseconds and refuses 0.
func atLeastMillisecond(ttl time.Duration) time.Duration {
	if ttl < time.Millisecond {
		return time.Millisecond
	}
	return ttl.Round(time.Millisecond)
}

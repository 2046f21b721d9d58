// Package redis is the cluster live store of caddy-bbb: servers, meeting
// bindings, voice bridges, tenants, tokens, leases and shared values in Redis
// (6.2 or newer), shared by every Caddy node of a cluster.
//
// Every key starts with the store's prefix (default "bbb:"); prefixes must not
// nest, since "a:" and "a:server:" would share keys. A meeting is named in
// keys and index sets by its ref, "<len(tenant)>:<tenant>:<id>", which stays
// unambiguous whatever characters the tenant and meeting ids hold.
//
//	<prefix>schema                       string  layout version ("1"), set by Migrate
//	<prefix>server:<id>                  hash    one server: url secret tag state online ("1"/"0")
//	                                             load load_multiplier meetings users largest_meeting
//	                                             videos bbb_version healthy_count unhealthy_count
//	<prefix>servers                      zset    every server id, score 0 (so members sort by id)
//	<prefix>placeable                    zset    ids of enabled, online servers, scored by load
//	<prefix>meeting:<ref>                hash    one binding: tenant id server moderator_pw bridge
//	                                             created (UnixNano) expected_load participants
//	                                             moderators videos
//	<prefix>meetings                     set     refs of every binding
//	<prefix>server-meetings:<server id>  set     refs of the bindings on one server
//	<prefix>tenant-meetings:<tenant id>  set     refs of one tenant's bindings ("" = no tenant)
//	<prefix>bridge:<voice bridge>        string  ref of the binding holding the voice bridge
//	<prefix>tenant:<id>                  hash    id name secrets (JSON array, in order)
//	<prefix>tenant-names                 hash    tenant name → tenant id (names are unique)
//	<prefix>tenant-settings:<tenant id>  hash    param → "1:<value>" (override) or "0:<value>" (default)
//	<prefix>token:<token>                string  JSON {record_id, format}; expires (PX)
//	<prefix>lease:<name>                 string  the holder; expires (PX)
//	<prefix>value:<key>                  string  a value every node agrees on
//
// Every write that touches more than one key is a Lua script (run with
// EVALSHA, falling back to EVAL after a restart flushed the script cache),
// except UpdateServer, which has to call back into Go and so is an optimistic
// WATCH/MULTI transaction, retried on conflict. Scripts find some keys through
// index sets, so this store needs a standalone Redis (or one primary behind
// Sentinel or a managed service), not Redis Cluster.
package redis

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// DefaultKeyPrefix is the key prefix used when Open is given none.
const DefaultKeyPrefix = "bbb:"

// schemaVersion is the version of the key layout described in the package
// comment. Migrate refuses a Redis whose data a newer layout wrote.
const schemaVersion = 1

// minRedisVersion is the oldest Redis with every command used here (GETDEL
// came in 6.2).
var minRedisVersion = [2]int{6, 2}

// Store is the live state kept in Redis.
type Store struct {
	rdb    *goredis.Client
	prefix string
}

var (
	_ store.Live     = (*Store)(nil)
	_ store.Migrator = (*Store)(nil)
)

// Open prepares a store on the Redis at rawURL (redis://, rediss:// or
// unix://), with every key under keyPrefix ("" means DefaultKeyPrefix). It
// does not connect: connections are made on first use, so Open is safe
// during config validation.
func Open(rawURL, keyPrefix string) (*Store, error) {
	opts, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	// Without this go-redis bounds socket reads and writes by its own
	// timeouts only, and a call could outlive its context's deadline.
	opts.ContextTimeoutEnabled = true
	// go-redis retries a failed dial 5 times 100 ms apart within each of its
	// command retries, so with Redis down every call took about 2 s to fail.
	// One dial per command attempt fails a request within tens of ms; the
	// command retries (max_retries in the URL) still ride over a blip.
	opts.DialerRetries = 1
	if keyPrefix == "" {
		keyPrefix = DefaultKeyPrefix
	}
	return &Store{rdb: goredis.NewClient(opts), prefix: keyPrefix}, nil
}

// parseURL parses a Redis URL with errors that leave the URL out, since it
// may hold a password.
func parseURL(rawURL string) (*goredis.Options, error) {
	if rawURL == "" {
		return nil, errors.New("redis: empty URL")
	}
	if _, err := url.Parse(rawURL); err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("redis: invalid URL: %w", err)
	}
	opts, err := goredis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis: invalid URL: %w", err)
	}
	return opts, nil
}

// Prefix returns the prefix of every key this store writes.
func (s *Store) Prefix() string { return s.prefix }

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: ping: %w", err)
	}
	return nil
}

// Close releases the store's connections.
func (s *Store) Close() error {
	if err := s.rdb.Close(); err != nil {
		return fmt.Errorf("redis: close: %w", err)
	}
	return nil
}

// Migrate checks that the Redis is recent enough, records the key layout
// version (or checks the recorded one) and loads the scripts. Nodes may run
// it at once: the version is set with SET NX, and loading a script twice is
// harmless.
func (s *Store) Migrate(ctx context.Context) error {
	info, err := s.rdb.Info(ctx, "server").Result()
	if err != nil {
		return fmt.Errorf("redis: migrate: server info: %w", err)
	}
	if err := checkServerVersion(info); err != nil {
		return fmt.Errorf("redis: migrate: %w", err)
	}
	key := s.key("schema")
	pipe := s.rdb.Pipeline()
	pipe.SetNX(ctx, key, schemaVersion, 0)
	get := pipe.Get(ctx, key)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("redis: migrate: schema version: %w", err)
	}
	v, err := strconv.Atoi(get.Val())
	if err != nil {
		return fmt.Errorf("redis: migrate: schema version %q under %s is not a number", get.Val(), key)
	}
	if v > schemaVersion {
		return fmt.Errorf("redis: migrate: keys under %q have layout version %d, newer than this build's %d", s.prefix, v, schemaVersion)
	}
	for _, sc := range allScripts {
		if err := sc.Load(ctx, s.rdb).Err(); err != nil {
			return fmt.Errorf("redis: migrate: load scripts: %w", err)
		}
	}
	return nil
}

// checkServerVersion reads redis_version from INFO server output and checks
// it against minRedisVersion.
func checkServerVersion(info string) error {
	for line := range strings.SplitSeq(info, "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:")
		if !ok {
			continue
		}
		parts := strings.SplitN(v, ".", 3)
		if len(parts) < 2 {
			return fmt.Errorf("unrecognised Redis version %q", v)
		}
		major, err1 := strconv.Atoi(parts[0])
		minor, err2 := strconv.Atoi(parts[1])
		if err1 != nil || err2 != nil {
			return fmt.Errorf("unrecognised Redis version %q", v)
		}
		if major < minRedisVersion[0] || (major == minRedisVersion[0] && minor < minRedisVersion[1]) {
			return fmt.Errorf("redis %s is too old: need %d.%d or newer", v, minRedisVersion[0], minRedisVersion[1])
		}
		return nil
	}
	// Some managed services hide INFO fields; the commands themselves will
	// fail clearly if they are missing.
	return nil
}

// key returns the full name of a key.
func (s *Store) key(parts ...string) string {
	return s.prefix + strings.Join(parts, "")
}

// meetingRef names a binding in keys and index sets. The tenant's length
// comes first so that no two (tenant, id) pairs share a ref.
func meetingRef(tenant, id string) string {
	return strconv.Itoa(len(tenant)) + ":" + tenant + ":" + id
}

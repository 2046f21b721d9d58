package storetest

import (
	"os"
	"testing"
)

// The test services are started by ./test.sh (scripts/services.sh), which
// exports where they listen.
const (
	RedisEnv    = "BBB_TEST_REDIS_URL"
	PostgresEnv = "BBB_TEST_POSTGRES_DSN"
)

// RedisURL returns the test Redis URL. Without one the test is skipped when run
// by hand and fails under CI, where ./test.sh always provides it.
func RedisURL(t testing.TB) string {
	t.Helper()
	return service(t, RedisEnv, "Redis")
}

// PostgresDSN returns the DSN of the test PostgreSQL server (a database the
// test may create other databases from), skipping or failing like RedisURL.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	return service(t, PostgresEnv, "PostgreSQL")
}

func service(t testing.TB, env, name string) string {
	t.Helper()
	v := os.Getenv(env)
	if v != "" {
		return v
	}
	msg := name + " is not available: run ./test.sh, which starts it (Debian packages postgresql and redis-server), " +
		"or start one with scripts/services.sh start DIR and export what it prints"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

package redis

import (
	"context"
	"os"
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

// allKeys lists every key of the server, bounded by ctx.
func allKeys(ctx context.Context, t *testing.T, c *goredis.Client, match string) []string {
	t.Helper()
	var keys []string
	var cursor uint64
	for {
		batch, next, err := c.Scan(ctx, cursor, match, 1000).Result()
		if err != nil {
			t.Fatalf("scan %s: %v", match, err)
		}
		keys = append(keys, batch...)
		if cursor = next; cursor == 0 {
			return keys
		}
	}
}

// quietLogger drops go-redis's own log lines (one per failed dial while a
// test has Redis down); the errors the calls return carry the same cause.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	goredis.SetLogger(quietLogger{})
	os.Exit(m.Run())
}

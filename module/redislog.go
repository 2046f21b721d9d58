package module

import (
	"context"
	"fmt"
	"sync"

	"github.com/caddyserver/caddy/v2"
	goredis "github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// redisLogOnce routes go-redis's own messages (a line per failed dial while
// Redis is down) into Caddy's log instead of stderr. go-redis has one
// process-wide logger, so this is set once, not per config.
var redisLogOnce sync.Once

type redisLogger struct{ logger *zap.Logger }

// Printf logs one go-redis message at warn level; they are about connection
// trouble, and name addresses, never passwords.
func (l redisLogger) Printf(_ context.Context, format string, v ...any) {
	l.logger.Warn(fmt.Sprintf(format, v...))
}

func routeRedisLogs() {
	redisLogOnce.Do(func() {
		goredis.SetLogger(redisLogger{caddy.Log().Named("bbb.redis")})
	})
}

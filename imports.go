// Package caddybbb is the root of caddy-bbb, a BigBlueButton load balancer
// built into Caddy. Importing it (as xcaddy does) registers every module.
package caddybbb

import (
	_ "github.com/caddy-bbb/caddy-bbb/admin"
	_ "github.com/caddy-bbb/caddy-bbb/caddyfile"
	_ "github.com/caddy-bbb/caddy-bbb/handlers"
	_ "github.com/caddy-bbb/caddy-bbb/module"
)

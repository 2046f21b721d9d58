// Command caddy is Caddy with the standard modules and caddy-bbb, for
// development: go run ./cmd/caddy run --config examples/Caddyfile
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/caddy-bbb/caddy-bbb"
)

func main() {
	caddycmd.Main()
}

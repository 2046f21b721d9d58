// Command stockcaddy is Caddy with its standard modules and nothing else:
// the floor bench/memory measures caddy-bbb's idle memory against.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

func main() {
	caddycmd.Main()
}

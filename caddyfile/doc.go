// Package caddyfile is part of caddy-bbb's Caddy glue.
package caddyfile

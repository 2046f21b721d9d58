// Package admin is part of caddy-bbb's Caddy glue.
package admin

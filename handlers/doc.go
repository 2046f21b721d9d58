// Package handlers is part of caddy-bbb's Caddy glue.
package handlers

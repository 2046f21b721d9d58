package caddyfile

import (
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-bbb/caddy-bbb/handlers"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("bbb", parseDirective)
	// Before respond (and so before reverse_proxy and file_server): bbb
	// answers only its own paths and passes the rest on, so a site needs no
	// `order` line and a catch-all respond cannot shadow the API.
	httpcaddyfile.RegisterDirectiveOrder("bbb", httpcaddyfile.Before, "respond")
}

// parseDirective parses the handler directive, which takes no arguments:
//
//	bbb [<matcher>]
//
// Its settings live in the `bbb` global option.
func parseDirective(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	h.Next() // the directive name
	if h.NextArg() {
		return nil, h.ArgErr()
	}
	if h.NextBlock(h.Nesting()) {
		return nil, h.Errf("unrecognized bbb directive option %q: the bbb handler is configured in the bbb global option", h.Val())
	}
	return new(handlers.Handler), nil
}

// Package caddyfile adapts the Caddyfile syntax of caddy-bbb to its JSON
// configuration: the global option `bbb`, which configures the bbb app, and
// the handler directive `bbb`, which puts the BBB API handler in a site.
//
// The syntax is in DESIGN.md §3 and the README's Caddyfile reference; each
// parse function's documentation carries the part it reads. Values are kept as written,
// placeholders included: the app resolves {env.*} and {file.*} when it is
// provisioned, so the adapted JSON (and /config/) never holds a resolved
// secret. Checks that need no placeholder resolution (names of algorithms,
// durations, numbers, playback formats, domain names) are made here, so a
// mistake is reported with its Caddyfile file and line.
package caddyfile

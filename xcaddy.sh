#!/usr/bin/env bash
# Builds ./caddy: Caddy with caddy-bbb from this checkout, through xcaddy.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: ./xcaddy.sh [xcaddy build arguments...]

Builds ./caddy: Caddy v2.11.9 with caddy-bbb from this directory, using
xcaddy fetched from the Go module proxy. Extra arguments go to `xcaddy build`
as they are, e.g. to add a DNS provider:

  ./xcaddy.sh --with github.com/caddy-dns/cloudflare

Environment: CADDY_VERSION (default v2.11.9), XCADDY_VERSION (default
v0.4.5), OUTPUT (default ./caddy); xcaddy's own variables such as
XCADDY_RACE_DETECTOR=1 apply as well.
USAGE
}

for arg in "$@"; do
	case "$arg" in
	-h | --help)
		usage
		exit 0
		;;
	esac
done

cd "$(dirname "$0")"

module=github.com/caddy-bbb/caddy-bbb
caddy_version=${CADDY_VERSION:-v2.11.9}
xcaddy_version=${XCADDY_VERSION:-v0.4.5}
output=${OUTPUT:-./caddy}

# xcaddy runs `go get` on every --with module. The module path is not
# published, so a plain "--with $module=." fails; a pseudo-version that
# cannot exist makes xcaddy use the replace to this directory alone.
exec go run "github.com/caddyserver/xcaddy/cmd/xcaddy@${xcaddy_version}" build "$caddy_version" \
	--with "${module}@v0.0.0-00010101000000-000000000000=." \
	--output "$output" \
	"$@"

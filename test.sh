#!/usr/bin/env bash
# Runs every check of caddy-bbb: gofmt, go vet and go test -race ./..., against
# a throwaway PostgreSQL and Redis (Debian packages postgresql and redis-server)
# that it starts in a temp folder and stops at the end, also on failure.
# Extra arguments go to go test, e.g. ./test.sh -run TestBind ./store/...
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"

dir=$(mktemp -d /tmp/caddy-bbb-test.XXXXXX)
chmod 755 "$dir"
cleanup() {
	scripts/services.sh stop "$dir" || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

eval "$(scripts/services.sh start "$dir")"

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" $unformatted >&2
	exit 1
fi
go vet ./...

pkgs=("$@")
[ ${#pkgs[@]} -eq 0 ] && pkgs=(./...)
go test -race -count=1 -timeout 12m "${pkgs[@]}"

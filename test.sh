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

# bigbluebutton-js for the acceptance test in integration/js_test.go: npm ci
# into integration/js/node_modules (ignored by git), skipped while what is
# installed matches package-lock.json. Without it that test skips when run by
# hand and fails under CI.
js=integration/js
if command -v npm >/dev/null 2>&1; then
	lock_sum=$(sha256sum "$js/package-lock.json" | cut -d' ' -f1)
	if [ "$(cat "$js/node_modules/.lock-sha256" 2>/dev/null)" != "$lock_sum" ]; then
		if (cd "$js" && npm ci --no-audit --no-fund --loglevel=error >&2); then
			echo "$lock_sum" >"$js/node_modules/.lock-sha256"
		else
			echo "npm ci in $js failed: the bigbluebutton-js acceptance test cannot run" >&2
		fi
	fi
else
	echo "npm not found: the bigbluebutton-js acceptance test cannot run" >&2
fi

pkgs=("$@")
[ ${#pkgs[@]} -eq 0 ] && pkgs=(./...)
go test -race -count=1 -timeout 12m "${pkgs[@]}"

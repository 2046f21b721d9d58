#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL and Redis for the tests, in a folder of
# their own, listening on unix sockets only (no TCP port to collide with).
#
#   scripts/services.sh start DIR   start both, print the environment to export
#   scripts/services.sh stop DIR    stop both (safe to call twice)
#
# PostgreSQL refuses to run as root, so under root its data folder belongs to
# the "postgres" user that Debian's package creates.
set -euo pipefail

cmd=${1:?usage: services.sh start|stop DIR}
dir=${2:?usage: services.sh start|stop DIR}

pg_bin() {
	local b
	for b in /usr/lib/postgresql/*/bin; do
		[ -x "$b/initdb" ] && { echo "$b"; return; }
	done
	command -v initdb >/dev/null && dirname "$(command -v initdb)" && return
	return 1
}

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

case "$cmd" in
start)
	mkdir -p "$dir"
	bin=$(pg_bin) || { echo "PostgreSQL not found: apt-get install postgresql" >&2; exit 1; }
	command -v redis-server >/dev/null || { echo "redis-server not found: apt-get install redis-server" >&2; exit 1; }

	mkdir -p "$dir/pg" "$dir/pgsock"
	[ "$(id -u)" = 0 ] && chown postgres "$dir" "$dir/pg" "$dir/pgsock"
	as_pg "$bin/initdb" -D "$dir/pg/data" -U postgres -A trust --no-sync >"$dir/pg/initdb.log" 2>&1 \
		|| { cat "$dir/pg/initdb.log" >&2; exit 1; }
	as_pg "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 60 start \
		-o "-c listen_addresses='' -c unix_socket_directories=$dir/pgsock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
		>/dev/null || { cat "$dir/pg/server.log" >&2; exit 1; }

	mkdir -p "$dir/redis"
	redis-server --port 0 --unixsocket "$dir/redis/redis.sock" --unixsocketperm 777 \
		--dir "$dir/redis" --save '' --appendonly no --daemonize yes \
		--pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log"
	for _ in $(seq 1 100); do
		[ -S "$dir/redis/redis.sock" ] && break
		sleep 0.1
	done
	[ -S "$dir/redis/redis.sock" ] || { cat "$dir/redis/redis.log" >&2; exit 1; }

	echo "export BBB_TEST_POSTGRES_DSN='host=$dir/pgsock user=postgres dbname=postgres sslmode=disable'"
	echo "export BBB_TEST_REDIS_URL='unix://$dir/redis/redis.sock'"
	;;
stop)
	bin=$(pg_bin 2>/dev/null) || true
	if [ -n "${bin:-}" ] && [ -f "$dir/pg/data/postmaster.pid" ]; then
		as_pg "$bin/pg_ctl" -D "$dir/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	if [ -f "$dir/redis/redis.pid" ]; then
		kill "$(cat "$dir/redis/redis.pid")" 2>/dev/null || true
	fi
	;;
*)
	echo "usage: services.sh start|stop DIR" >&2
	exit 2
	;;
esac

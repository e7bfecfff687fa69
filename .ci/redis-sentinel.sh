#!/usr/bin/env bash
# A throwaway Redis master watched by one Sentinel on loopback, for the
# Sentinel tests (IDP_TEST_REDIS_SENTINEL_ADDRS, master name "carekey"). It
# never touches another Redis: it refuses ports in use and stops only the
# servers whose pid files it wrote.
#
#   .ci/redis-sentinel.sh start [DIR]   start them; prints the sentinel's address
#   .ci/redis-sentinel.sh stop [DIR]    stop them and remove DIR
#
#   export IDP_TEST_REDIS_SENTINEL_ADDRS=$(.ci/redis-sentinel.sh start)
#
# DIR (default ${TMPDIR:-/tmp}/carekey-redis-sentinel) holds the Sentinel's
# config file, pid files and logs. REDIS_SENTINEL_PORTS (default "7004 7005")
# chooses the master's and the Sentinel's ports. Nothing is persisted.
set -euo pipefail

cmd=${1:-}
dir=${2:-${TMPDIR:-/tmp}/carekey-redis-sentinel}
read -r master_port sentinel_port <<<"${REDIS_SENTINEL_PORTS:-7004 7005}"
master=carekey

die() { printf 'redis-sentinel: %s\n' "$*" >&2; exit 1; }

in_use() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

stop() {
	local name port pid
	for name in master:$master_port sentinel:$sentinel_port; do
		port=${name#*:}
		[[ -f $dir/${name%%:*}.pid ]] || continue
		pid=$(<"$dir/${name%%:*}.pid")
		if kill -0 "$pid" 2>/dev/null; then
			redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
			for _ in $(seq 50); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
		fi
	done
	rm -rf "$dir"
}

# answers PORT waits up to 5 s for PONG on PORT.
answers() {
	for _ in $(seq 50); do
		[[ $(redis-cli -p "$1" ping 2>/dev/null) == PONG ]] && return 0
		sleep 0.1
	done
	return 1
}

start() {
	command -v redis-cli >/dev/null || die "redis-cli not found (apt-get install redis-tools)"
	local server
	server=$(command -v redis-server || true)
	[[ -n $server ]] || server=$(command -v redis-check-rdb) || die "redis-server not found (apt-get install redis-tools)"
	for port in "$master_port" "$sentinel_port"; do
		in_use "$port" && die "port $port is in use: set REDIS_SENTINEL_PORTS to free ports"
	done
	rm -rf "$dir"
	mkdir -p "$dir"
	if [[ $server == */redis-check-rdb ]]; then
		# Debian's redis-tools: the server, when called by another name.
		ln -s "$server" "$dir/redis-server"
		server=$dir/redis-server
	fi
	"$server" --port "$master_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
		--pidfile "$dir/master.pid" --logfile "$dir/master.log" --daemonize yes >&2 ||
		{ stop; die "the master on port $master_port did not start"; }
	answers "$master_port" || { cat "$dir/master.log" >&2 || true; stop; die "the master on port $master_port does not answer"; }
	cat >"$dir/sentinel.conf" <<-EOF
		port $sentinel_port
		bind 127.0.0.1
		dir $dir
		pidfile $dir/sentinel.pid
		logfile $dir/sentinel.log
		daemonize yes
		sentinel monitor $master 127.0.0.1 $master_port 1
	EOF
	"$server" "$dir/sentinel.conf" --sentinel >&2 || { stop; die "the Sentinel on port $sentinel_port did not start"; }
	answers "$sentinel_port" || { cat "$dir/sentinel.log" >&2 || true; stop; die "the Sentinel on port $sentinel_port does not answer"; }
	for _ in $(seq 100); do
		if redis-cli -p "$sentinel_port" sentinel master "$master" 2>/dev/null | grep -qx 'master'; then
			echo "127.0.0.1:$sentinel_port"
			return 0
		fi
		sleep 0.1
	done
	redis-cli -p "$sentinel_port" sentinel master "$master" >&2 || true
	stop
	die "the Sentinel does not watch the master $master within 10 s"
}

case $cmd in
start) start ;;
stop) stop ;;
*) die "usage: $0 start|stop [DIR]" ;;
esac

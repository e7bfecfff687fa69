#!/usr/bin/env bash
# A throwaway 3-master Redis Cluster on loopback, for the Cluster tests
# (IDP_TEST_REDIS_CLUSTER_ADDRS). It never touches another Redis: it refuses
# ports in use and stops only the servers whose pid files it wrote.
#
#   .ci/redis-cluster.sh start [DIR]   start it; prints the addresses
#                                      (127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003)
#   .ci/redis-cluster.sh stop [DIR]    stop it and remove DIR
#
#   export IDP_TEST_REDIS_CLUSTER_ADDRS=$(.ci/redis-cluster.sh start)
#
# DIR (default ${TMPDIR:-/tmp}/carekey-redis-cluster) holds the nodes' cluster
# config files, pid files and logs. REDIS_CLUSTER_PORTS (default "7001 7002
# 7003") chooses the ports; each port + 10000 is its cluster bus. Nothing is
# persisted (--save '' --appendonly no). Needs redis-cli and redis-server 7+
# (or Debian's redis-tools alone, which starts no service).
set -euo pipefail

cmd=${1:-}
dir=${2:-${TMPDIR:-/tmp}/carekey-redis-cluster}
read -r -a ports <<<"${REDIS_CLUSTER_PORTS:-7001 7002 7003}"

die() { printf 'redis-cluster: %s\n' "$*" >&2; exit 1; }

# in_use PORT succeeds if something accepts a TCP connection on loopback PORT.
in_use() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

stop() {
	local port pid
	for port in "${ports[@]}"; do
		[[ -f $dir/redis-$port.pid ]] || continue
		pid=$(<"$dir/redis-$port.pid")
		# Only our server: the pid file is the one this script asked for.
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

start() {
	command -v redis-cli >/dev/null || die "redis-cli not found (apt-get install redis-tools)"
	local server port addrs=()
	server=$(command -v redis-server || true)
	if [[ -z $server ]]; then
		# Debian's redis-tools (no service) has the server as redis-check-rdb,
		# which serves when called by another name.
		server=$(command -v redis-check-rdb) || die "redis-server not found (apt-get install redis-tools)"
	fi
	for port in "${ports[@]}"; do
		in_use "$port" && die "port $port is in use: set REDIS_CLUSTER_PORTS to free ports"
		in_use $((port + 10000)) && die "cluster bus port $((port + 10000)) is in use: set REDIS_CLUSTER_PORTS to free ports"
		addrs+=("127.0.0.1:$port")
	done
	rm -rf "$dir"
	mkdir -p "$dir"
	if [[ $server == */redis-check-rdb ]]; then
		ln -s "$server" "$dir/redis-server"
		server=$dir/redis-server
	fi
	for port in "${ports[@]}"; do
		"$server" --port "$port" --bind 127.0.0.1 \
			--cluster-enabled yes --cluster-config-file "$dir/nodes-$port.conf" \
			--cluster-node-timeout 5000 \
			--save '' --appendonly no --dir "$dir" \
			--pidfile "$dir/redis-$port.pid" --logfile "$dir/redis-$port.log" \
			--daemonize yes >&2 || { stop; die "redis-server on port $port did not start"; }
	done
	for port in "${ports[@]}"; do
		for _ in $(seq 50); do
			[[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]] && break
			sleep 0.1
		done
		[[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]] ||
			{ cat "$dir/redis-$port.log" >&2 || true; stop; die "redis-server on port $port does not answer"; }
	done
	redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1 ||
		{ cat "$dir/create.log" >&2; stop; die "redis-cli --cluster create failed"; }
	# Every node must see the whole cluster before a test may use it.
	for _ in $(seq 100); do
		local ok=0
		for port in "${ports[@]}"; do
			redis-cli -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' && ok=$((ok + 1))
		done
		if ((ok == ${#ports[@]})); then
			local IFS=,
			echo "${addrs[*]}"
			return 0
		fi
		sleep 0.2
	done
	redis-cli -p "${ports[0]}" cluster info >&2 || true
	stop
	die "the cluster did not reach cluster_state:ok within 20 s"
}

case $cmd in
start) start ;;
stop) stop ;;
*) die "usage: $0 start|stop [DIR]" ;;
esac

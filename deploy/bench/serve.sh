#!/bin/sh
# Load test of `idp serve` on PostgreSQL + Redis on this machine, in one
# command (make bench-serve; docs/performance.md, "Serve mode"):
#
#   1. a config for idp serve: PostgreSQL in a schema of its own, Redis under
#      a key prefix of its own, rate limits raised, SMS through the generic
#      HTTP gateway (sms.provider: http) pointed at the load tool on loopback;
#   2. idp serve, started in the background (migrations applied at start);
#   3. USERS users imported with `idp admin users import`;
#   4. idp-load: N logins C at once, then REFRESH refresh_token grants, with
#      the CPU of idp, every postgres process and the redis-server per login
#      and per refresh, and the argon2id rate of this machine; then, with
#      STATIC set, STATIC GETs of the discovery document and as many of the
#      JWKS, STATIC_C at once (default C), over keep-alive connections (req/s);
#   5. the server stopped, the schema dropped, the Redis keys deleted.
#
# Settings (environment): N (200; 0 with STATIC: the static phase alone),
# C (4), REFRESH (2×N), STATIC (none), STATIC_C (C), USERS (2×C, at least
# C, at most 1000), PORT (18080), SMS_PORT (18099), BENCH_POSTGRES_URL
# (postgres://postgres@127.0.0.1:5432/test?sslmode=disable), BENCH_REDIS_ADDR
# (127.0.0.1:6379), KEEP=1 to keep the work directory, HASH_RATE (3s: how
# long the tool measures the argon2id rate before and after the run). Needs go, psql and
# redis-cli; Linux (CPU from /proc). REPLICAS=2 (or more) starts that many
# idp serve processes on one database and Redis (replica k on PORT+10(k-1))
# and has idp-load send each request to the next replica in turn
# (-replicas), as a load balancer would; CPU is summed over them. PROFILE=FILE also writes a CPU profile
# of idp serve over the login phase (PROFILE_SECONDS, default 10, from
# PROFILE_DELAY seconds after the tool starts, default 7) through
# the admin listener's profiler (metrics.pprof on 127.0.0.1:PORT+2); read it
# with `go tool pprof -top -cum FILE`.
set -eu
cd "$(dirname "$0")/../.."
N=${N:-200}
C=${C:-4}
REFRESH=${REFRESH:-$((N * 2))}
USERS=${USERS:-$((C * 2))}
PORT=${PORT:-18080}
SMS_PORT=${SMS_PORT:-18099}
PG=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
REDIS=${BENCH_REDIS_ADDR:-127.0.0.1:6379}
REPLICAS=${REPLICAS:-1}
[ "$USERS" -ge "$C" ] || USERS=$C
[ "$USERS" -le 1000 ] || { echo "serve.sh: USERS at most 1000 (phones +447700900000 to +447700900999)" >&2; exit 2; }

run=bench_$$
schema=carekey_$run
prefix="carekey-$run:"
work=$(mktemp -d)
servers=
cleanup() {
	for s in $servers; do kill "$s" 2>/dev/null; wait "$s" 2>/dev/null || true; done
	psql -q "$PG" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || echo "serve.sh: could not drop schema $schema" >&2
	redis-cli -h "${REDIS%:*}" -p "${REDIS##*:}" --scan --pattern "$prefix*" | xargs -r -n 500 redis-cli -h "${REDIS%:*}" -p "${REDIS##*:}" DEL >/dev/null || true
	if [ "${KEEP:-}" = 1 ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== build"
go build -o "$work/idp" ./cmd/idp
go build -o "$work/idp-load" ./cmd/idp-load

echo "== config ($work/carekey.yaml): schema $schema, Redis prefix $prefix"
psql -q "$PG" -c "CREATE SCHEMA $schema" >/dev/null
umask 077
rand() { head -c 32 /dev/urandom | base64 | tr -d '\n'; }
rand >"$work/encryption_key"
rand >"$work/pepper"
rand | tr -d '/+=' >"$work/sms_secret"
admin_secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf 'sha256:%s' "$(printf %s "$admin_secret" | sha256sum | cut -d' ' -f1)" >"$work/admin_secret_hash"
case "$PG" in *\?*) pgurl="$PG&search_path=$schema" ;; *) pgurl="$PG?search_path=$schema" ;; esac
many='{max: 100000000, window: 1m}'
pprof=false
[ -z "${PROFILE:-}" ] || pprof=true
cat >"$work/carekey.yaml" <<YAML
# Written by deploy/bench/serve.sh for one load run: not for production.
issuer: http://127.0.0.1:$PORT
http: {addr: "127.0.0.1:$PORT"}
postgres: {url: "$pgurl", migrate: auto, max_conns: 20}
redis: {addrs: ["$REDIS"], key_prefix: "$prefix"}
keys: {encryption_key_file: encryption_key, pepper_file: pepper}
clients:
  - id: bench
    name: Load test
    public: true
    auth_method: none
    redirect_uris: [https://bench.invalid/callback]   # never followed: the tool stops at the redirect
    scopes: [openid, profile, offline_access]
    grant_types: [authorization_code, refresh_token]
  - id: admin
    name: Admin API
    auth_method: client_secret_basic
    secret_hash_file: admin_secret_hash
    scopes: ["carekey:admin"]
    grant_types: [client_credentials]
branding: {council_name: Bench Council, service_name: Children's Services Portal}
lockout: {source_backoff: $many}
rate_limits:
  signin_per_ip: $many
  signin_per_account: $many
  codes_per_phone: $many
  calls_per_phone: $many
  email_codes_per_address: $many
  registrations_per_ip: $many
sms:
  provider: http
  http: {url: "http://127.0.0.1:$SMS_PORT/sms", secret_file: sms_secret, timeout: 5s}
email:                      # no email is sent by a sign-in
  provider: smtp
  from: "Children's Services Portal <no-reply@bench.invalid>"
  smtp: {host: 127.0.0.1, port: 25, tls: starttls}
log: {level: warn}
metrics: {addr: "127.0.0.1:$((PORT + 2))", pprof: $pprof}
YAML
"$work/idp" config check "$work/carekey.yaml" >/dev/null

echo "== idp serve ($REPLICAS replica(s))"
targets=
k=1
while [ $k -le "$REPLICAS" ]; do
	port=$((PORT + 10 * (k - 1)))
	conf="$work/carekey.yaml"
	if [ $k -gt 1 ]; then # the same config on another address (the issuer stays)
		conf="$work/carekey-$k.yaml"
		sed -e "s|^http: {addr: \"127.0.0.1:$PORT\"}|http: {addr: \"127.0.0.1:$port\"}|" \
			-e "s|^metrics: {addr: \"127.0.0.1:$((PORT + 2))\"|metrics: {addr: \"127.0.0.1:$((port + 2))\"|" \
			"$work/carekey.yaml" >"$conf"
	fi
	"$work/idp" serve --config "$conf" >"$work/serve-$k.log" 2>&1 &
	server=$!
	servers="$servers $server"
	targets="${targets:+$targets,}127.0.0.1:$port"
	i=0
	until curl -fsS "http://127.0.0.1:$port/.well-known/openid-configuration" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$server" 2>/dev/null; then
			echo "serve.sh: idp serve (replica $k) did not start:" >&2
			cat "$work/serve-$k.log" >&2
			exit 1
		fi
		sleep 0.2
	done
	k=$((k + 1))
done

echo "== idp admin users import ($USERS users)"
{
	echo "email,forename,surname,phone,password"
	i=0
	while [ $i -lt "$USERS" ]; do
		printf 'bench-%d@bench.invalid,Bench,User %d,+447700900%03d,Bench-Password-42!\n' $i $i $i
		i=$((i + 1))
	done
} >"$work/users.csv"
IDP_ADMIN_CLIENT_SECRET=$admin_secret "$work/idp" admin users import "$work/users.csv" \
	--issuer "http://127.0.0.1:$PORT" --client-id admin

# The Redis this run uses, by PID (other redis-servers may run here); every
# postgres process, backends included (other clients' too: a shared
# machine shows in that figure).
procs=postgres
for s in $servers; do procs="$procs,idp=$s"; done # these replicas, not another idp on this machine
redis_pid=$(redis-cli -h "${REDIS%:*}" -p "${REDIS##*:}" INFO server | tr -d '\r' | sed -n 's/^process_id://p')
if [ -n "$redis_pid" ] && [ -r "/proc/$redis_pid/stat" ]; then procs="$procs,redis-server=$redis_pid"; else procs="$procs,redis-server"; fi
echo "== idp-load: $N logins, $C at once, then $REFRESH refreshes${STATIC:+, then $STATIC GETs each of discovery and JWKS}"
if [ -n "${PROFILE:-}" ]; then
	# After the tool's two 3 s argon2id measurements, so the profile covers the logins.
	(sleep "${PROFILE_DELAY:-7}" && curl -fsS -o "$PROFILE" "http://127.0.0.1:$((PORT + 2))/debug/pprof/profile?seconds=${PROFILE_SECONDS:-10}") &
	profiler=$!
fi
# The server's hash_concurrency (config.DefaultHashConcurrency unless set), so
# the tool also reports the argon2id rate of as many hashes at once.
cpus=$(nproc)
lanes=${IDP_PASSWORD_POLICY_HASH_CONCURRENCY:-$((cpus > 1 ? cpus - 1 : 1))}
"$work/idp-load" -issuer "http://127.0.0.1:$PORT" -client bench -redirect-uri https://bench.invalid/callback \
	-hash-lanes "$((lanes * REPLICAS))" -users "$work/users.csv" -sms-gateway "127.0.0.1:$SMS_PORT" -sms-secret-file "$work/sms_secret" \
	-n "$N" -c "$C" -refresh "$REFRESH" -procs "$procs" ${HASH_RATE:+-hash-rate "$HASH_RATE"} ${REPLICAS:+-replicas "$targets"} \
	${STATIC:+-static "$STATIC"} ${STATIC_C:+-static-c "$STATIC_C"}
if [ -n "${PROFILE:-}" ]; then
	wait "$profiler" && echo "CPU profile of idp serve: $PROFILE (go tool pprof -top -cum $PROFILE)"
fi

#!/bin/sh
# Writes the random secrets compose.yaml mounts into ./secrets/ (once; an
# existing file is kept). Prints the client secrets to give to the portal
# and to `idp admin` once: only their hashes are kept.
set -eu
cd "$(dirname "$0")"
umask 077
mkdir -p secrets
new() { [ -s "secrets/$1" ] || { printf '%s\n' "$2" > "secrets/$1"; echo "secrets/$1 written"; }; }
rand() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }
hash() { printf 'sha256:%s' "$(printf %s "$1" | sha256sum | cut -d' ' -f1)"; }

pg=$(head -c 24 /dev/urandom | base64 | tr -d '\n/+=')
new postgres_password "$pg"
new postgres_url "postgres://carekey:$(cat secrets/postgres_password)@postgres:5432/carekey?sslmode=disable"
new encryption_key "$(rand 32)"
new pepper "$(rand 32)"
for c in portal admin; do
	if [ ! -s "secrets/${c}_secret_hash" ]; then
		s=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
		new "${c}_secret_hash" "$(hash "$s")"
		echo "  the $c client's secret (shown once): $s"
	fi
done
new smtp_password "change-me: the SMTP relay's password"
new notify_api_key "change-me: the GOV.UK Notify API key"

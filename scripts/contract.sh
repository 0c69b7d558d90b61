#!/usr/bin/env bash
# contract.sh: schemathesis against the full server (skingraph up: a local Neo4j in a fresh
# folder, the demo data, one admin key) on a free loopback port, with the server's own
# /openapi.json. All checks, the stateful phase included, a fixed seed, a bounded number of
# examples; exits non-zero on any failure. Used by 'make contract' (and so 'make test').
#
#   scripts/contract.sh [extra schemathesis flags]
#   CONTRACT_SEED=7 CONTRACT_EXAMPLES=100 scripts/contract.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/bin/skingraph}
ST=${SCHEMATHESIS:-$ROOT/var/contract-venv/bin/schemathesis}
SEED=${CONTRACT_SEED:-20261207}
EXAMPLES=${CONTRACT_EXAMPLES:-25}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
work=$(mktemp -d)
log=$work/server.log
# One admin key: with keys configured the document's security applies (keyless mode would
# answer without a key, which schemathesis rightly reports as ignored authentication).
keyout=$("$BIN" keys new --role admin --name contract)
key=$(printf '%s\n' "$keyout" | sed -n 2p | tr -d ' ')
# A rate far above the default (50/s, burst 100): schemathesis sends as fast as the server
# answers, and a 429 would stand in for the answer each check expects.
printf '%s 1000 5000\n' "$(printf '%s\n' "$keyout" | sed -n 4p | sed 's/^ *//')" >"$work/keys"
# The test servers' JVM flag (testcontainers.TestJVMFlags): only the first JIT tier, which
# costs less CPU than the optimising compiler over a run of a few minutes on small graphs;
# and their settings (testcontainers.TestSettings): no Bolt quiet period, so that the stop at
# the end takes 1-3 s instead of 11 s. `up` maps Neo4j's classes from the launcher's
# class-data sharing archive (README.md).
SKINGRAPH_NEO4J_JVM_FLAGS=${SKINGRAPH_NEO4J_JVM_FLAGS:--XX:TieredStopAtLevel=1} \
	SKINGRAPH_NEO4J_SETTINGS=${SKINGRAPH_NEO4J_SETTINGS:-internal.dbms.bolt.netty_server_shutdown_quiet_period=0 internal.dbms.bolt.netty_server_shutdown_timeout=1s} \
	SKINGRAPH_API_KEYS_FILE=$work/keys "$BIN" up --http-addr "127.0.0.1:$port" --data-dir "$work/neo4j" >"$log" 2>&1 &
pid=$!
stop() {
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap stop EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 1 600); do
	if curl -fsS "$base/readyz" >/dev/null 2>&1; then break; fi
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "contract: the server stopped before it was ready:" >&2
		tail -n 40 "$log" >&2
		exit 1
	fi
	sleep 0.5
done
curl -fsS "$base/readyz" >/dev/null || { echo "contract: server not ready after 300 s" >&2; tail -n 40 "$log" >&2; exit 1; }
echo "contract: server ready on $base (pid $pid)"

# The key is given as a header; schemathesis does not generate keys of its own (it would send
# an empty Authorization beside it). api/contract/schemathesis.toml has the per-operation settings.
"$ST" --config-file "$ROOT/api/contract/schemathesis.toml" run "$base/openapi.json" \
	--generation-with-security-parameters false \
	--header "X-API-Key: $key" \
	--checks all \
	--seed "$SEED" \
	--max-examples "$EXAMPLES" \
	--phases examples,coverage,fuzzing,stateful \
	--generation-database none \
	--request-timeout 20 \
	--no-color \
	"$@"

#!/usr/bin/env bash
# scripts/bench-scale.sh (make bench-scale): the realistic-scale benchmark of issue 19. For
# each catalogue it starts the local Neo4j launcher that `make run` uses (with its own data
# folder, never var/neo4j), loads the catalogue once (`skingraph gen` + `skingraph load dir
# --bulk`, or the public Sephora files), serves it with `skingraph serve`, and runs
# `skingraph bench --mode scale --fresh`: projection build time and Go heap, server RSS,
# uncached HTTP p50/p99 at RATE req/s open loop with bench's request mix (explain none and
# full), cached throughput, and the change-to-visible time of one rating event. The columns
# are printed side by side (Markdown) and written as JSON.
#
# Knobs (environment):
#   SCALE       100k (100,000 products / 1M reviews, the default) or 1m (1M / 5M); or
#               PRODUCTS=N REVIEWS=M for any size
#   SEPHORA     1 (default when the files are there): a first column with the Sephora graph,
#               so the last column is the ratio to it from the same run; 0 to skip
#   SCALE_DIR   where catalogues and Neo4j data folders live, kept between runs
#               (default var/scale; a loaded catalogue is not loaded again: its load time
#               is the one measured when it was loaded)
#   BULK        1 (default): the first load of a gen catalogue is `skingraph load dir --bulk`
#               (neo4j-admin's offline importer into the empty store, then the load's own
#               steps: docs/SCALING.md); 0: `skingraph load dir` (Cypher, ~1 ms of Neo4j CPU a
#               row). The column's label says which path loaded it, and so what its load
#               time measures.
#   RATE (100), DURATION (30s), WARMUP (3s), FRESH (1: measure the change-to-visible time)
#   OUT         the report's base name (default $SCALE_DIR/bench-scale-<scale>): .md and .json
#   NEO4J_HEAP_MB (2048), NEO4J_PAGECACHE (auto: the store plus a quarter), NEO4J_TX_MEMORY (2g):
#               the local Neo4j
#   SKINGRAPH_EVIDENCE_PER_KEY (1000000 here): see the freshness note below
#   The server's log is kept next to the report ($OUT.serve-<catalogue>.log); Go runtime
#   settings pass through (GOGC=400, GODEBUG=gctrace=1 ...).
# The body is one function, read whole before it runs.
main() {
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=${SCALE:-100k}
case "$SCALE" in
100k) DEF_P=100000 DEF_R=1000000 ;;
1m) DEF_P=1000000 DEF_R=5000000 ;;
*) DEF_P=${PRODUCTS:-} DEF_R=${REVIEWS:-} ;;
esac
PRODUCTS=${PRODUCTS:-$DEF_P}
REVIEWS=${REVIEWS:-$DEF_R}
[ -n "$PRODUCTS" ] && [ -n "$REVIEWS" ] || { echo "bench-scale: SCALE=100k, SCALE=1m, or PRODUCTS and REVIEWS" >&2; exit 1; }
NAME="gen-${PRODUCTS}p-${REVIEWS}r"
SCALE_DIR=${SCALE_DIR:-var/scale}
mkdir -p "$SCALE_DIR"
SCALE_DIR=$(cd "$SCALE_DIR" && pwd)
SEPHORA_DIR=${SKINGRAPH_SEPHORA_DIR:-../shared/datasets/sephora}
SEPHORA_PRODUCTS="$SEPHORA_DIR/product_info.csv"
SEPHORA_REVIEWS="$SEPHORA_DIR/reviews_skincare_2023-01_2023-02.csv"
if [ -z "${SEPHORA:-}" ]; then
	SEPHORA=0
	[ -r "$SEPHORA_PRODUCTS" ] && [ -r "$SEPHORA_REVIEWS" ] && SEPHORA=1
fi
RATE=${RATE:-100}
DURATION=${DURATION:-30s}
WARMUP=${WARMUP:-3s}
FRESH=${FRESH:-1}
BULK=${BULK:-1}
OUT=${OUT:-$SCALE_DIR/bench-scale-$SCALE}
GO=${GO:-go}
PORT=${BENCH_PORT:-18282}
PPROF_PORT=$((PORT + 1))

export SKINGRAPH_NEO4J_HEAP_MB=${NEO4J_HEAP_MB:-2048} SKINGRAPH_NEO4J_PAGECACHE=${NEO4J_PAGECACHE:-auto}
export SKINGRAPH_NEO4J_TX_MEMORY=${NEO4J_TX_MEMORY:-2g} SKINGRAPH_LOG_LEVEL=${SKINGRAPH_LOG_LEVEL:-info}
export SKINGRAPH_NEO4J_PASSWORD=${SKINGRAPH_NEO4J_PASSWORD:-bench-scale}
# The freshness measurement rates the top product from a new profile under the same (no) API
# key on every run; the per-key evidence cap (SKINGRAPH_EVIDENCE_PER_KEY, 25 profiles per key,
# product and day) would stop counting those ratings after 25 runs in a day, and the score
# would never move. The refresh and the delta are the same either way.
export SKINGRAPH_EVIDENCE_PER_KEY=${SKINGRAPH_EVIDENCE_PER_KEY:-1000000}
# Reviewer and profile pseudonyms need a key that stays with the data folders.
[ -s "$SCALE_DIR/pseudonym.key" ] || { umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$SCALE_DIR/pseudonym.key"; }
export SKINGRAPH_PSEUDONYM_KEY="$(cat "$SCALE_DIR/pseudonym.key")"
unset SKINGRAPH_NEO4J_URI SKINGRAPH_API_KEYS_FILE

WORK=$(mktemp -d)
NEO4J_PID="" SERVE_PID=""
stop() { # stop the server and Neo4j of the current catalogue
	if [ -n "$SERVE_PID" ]; then kill "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=""; fi
	if [ -n "$NEO4J_PID" ]; then kill "$NEO4J_PID" 2>/dev/null || true; wait "$NEO4J_PID" 2>/dev/null || true; NEO4J_PID=""; fi
}
cleanup() { stop; rm -rf "$WORK"; }
trap cleanup EXIT
log() { echo "bench-scale: $(date -u +%H:%M:%S) $*" >&2; }

log "building"
$GO build -o "$WORK/skingraph" ./cmd/skingraph
BIN="$WORK/skingraph"

# load NAME LABEL LOADER...: runs LOADER once for the catalogue NAME (later runs reuse its
# data folder), timing it into $SCALE_DIR/load-NAME.txt.
load() {
	local name=$1 label=$2
	shift 2
	if [ -s "$SCALE_DIR/load-$name.txt" ]; then
		log "$label: already loaded ($SCALE_DIR/load-$name.txt)"
		return
	fi
	log "$label: loading (once; later runs reuse $SCALE_DIR/neo4j-$name)"
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >"$WORK/load-$name.txt"
	t1=$(date +%s.%N)
	echo "load seconds $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')" >>"$WORK/load-$name.txt"
	mv "$WORK/load-$name.txt" "$SCALE_DIR/load-$name.txt"
}

# column NAME LABEL OFFLINE LOADER...: one catalogue, one JSON report in $WORK/NAME.json.
# OFFLINE 1: LOADER runs before the column's Neo4j starts (load dir --bulk starts and stops
# the local one itself); 0: against it.
column() {
	local name=$1 label=$2 offline=$3
	shift 3
	local data="$SCALE_DIR/neo4j-$name"
	if [ "$offline" = 1 ]; then
		SKINGRAPH_DATA_DIR="$data" load "$name" "$label" "$@"
	fi
	if grep -q '^  path         bulk import' "$SCALE_DIR/load-$name.txt" 2>/dev/null; then
		label="$label, loaded by bulk import"
	else
		label="$label, loaded by Cypher"
	fi
	log "$label: starting a local Neo4j on $data"
	SKINGRAPH_DATA_DIR="$data" "$BIN" neo4j >"$WORK/neo4j-$name.out" 2>"$WORK/neo4j-$name.err" &
	NEO4J_PID=$!
	for _ in $(seq 1 600); do grep -q '^SKINGRAPH_NEO4J_URI=' "$WORK/neo4j-$name.out" 2>/dev/null && break; kill -0 "$NEO4J_PID" 2>/dev/null || break; sleep 1; done
	export SKINGRAPH_NEO4J_URI=$(sed -n 's/^SKINGRAPH_NEO4J_URI=//p' "$WORK/neo4j-$name.out")
	[ -n "$SKINGRAPH_NEO4J_URI" ] || { cat "$WORK/neo4j-$name.err" >&2; exit 1; }
	if [ "$offline" != 1 ]; then
		load "$name" "$label" "$@"
	fi
	local rows secs
	rows=$(sed -nE 's/.*took .*\(([0-9]+) rows, .*/\1/p' "$SCALE_DIR/load-$name.txt" | tail -1)
	secs=$(sed -nE 's/^load seconds ([0-9.]+)$/\1/p' "$SCALE_DIR/load-$name.txt" | tail -1)
	log "$label: serving"
	SKINGRAPH_HTTP_ADDR=127.0.0.1:$PORT SKINGRAPH_PPROF_ADDR=127.0.0.1:$PPROF_PORT "$BIN" serve >"$WORK/serve-$name.out" 2>"$WORK/serve-$name.log" &
	SERVE_PID=$!
	for _ in $(seq 1 1800); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 1; done
	curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null || { tail -20 "$WORK/serve-$name.log" >&2; exit 1; }
	log "$label: measuring (uncached at $RATE req/s for $DURATION, explain none and full; cached; freshness=$FRESH)"
	local fresh=()
	[ "$FRESH" = 1 ] && fresh=(--fresh)
	"$BIN" bench --mode scale --url "http://127.0.0.1:$PORT" --pprof-url "http://127.0.0.1:$PPROF_PORT" \
		--label "$label" --rate "$RATE" --duration "$DURATION" --warmup "$WARMUP" \
		--load-seconds "${secs:-0}" --load-rows "${rows:-0}" "${fresh[@]}" --json "$WORK/$name.json" >&2
	grep -E '"message":"(projection ready|outcomes refreshed from events)"' "$WORK/serve-$name.log" >&2 || true
	stop
	cp "$WORK/serve-$name.log" "$OUT.serve-$name.log" # e.g. GODEBUG=gctrace=1 output
	unset SKINGRAPH_NEO4J_URI
}

COLUMNS_JSON=()
if [ "$SEPHORA" = 1 ]; then
	column sephora "Sephora (skincare, Jan-Feb 2023 reviews)" 0 \
		"$BIN" load sephora --products "$SEPHORA_PRODUCTS" --reviews "$SEPHORA_REVIEWS"
	COLUMNS_JSON+=("$WORK/sephora.json")
fi
if [ ! -s "$SCALE_DIR/$NAME/products.jsonl" ]; then
	log "generating $PRODUCTS products and $REVIEWS reviews into $SCALE_DIR/$NAME"
	"$BIN" gen --products "$PRODUCTS" --reviews "$REVIEWS" --seed 1 --out "$SCALE_DIR/$NAME" >&2
fi
if [ "$BULK" = 1 ]; then
	column "$NAME" "gen $PRODUCTS products / $REVIEWS reviews" 1 "$BIN" load dir --bulk "$SCALE_DIR/$NAME"
else
	column "$NAME" "gen $PRODUCTS products / $REVIEWS reviews" 0 "$BIN" load dir "$SCALE_DIR/$NAME"
fi
COLUMNS_JSON+=("$WORK/$NAME.json")

"$BIN" bench --report "${COLUMNS_JSON[@]}" | tee "$OUT.md"
jq -s . "${COLUMNS_JSON[@]}" >"$OUT.json"
log "wrote $OUT.md and $OUT.json"
}
main "$@"

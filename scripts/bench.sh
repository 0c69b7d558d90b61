#!/usr/bin/env bash
# scripts/bench.sh regenerates docs/PERFORMANCE.md (run it with `make bench`): in-process
# ranker latency and projection build time and memory on synthetic catalogues, the Sephora
# projection rebuild and the Cypher reference ranker on the same requests, the Sephora load
# throughput, and HTTP cached/uncached latency and throughput measured with `skingraph bench`
# (and wrk, when installed) against a served Sephora graph. Every figure is the median of
# REPEATS runs. Needs the public Sephora files (SKINGRAPH_SEPHORA_DIR, default
# ../shared/datasets/sephora), Java and Maven like `make run`.
#
# Knobs (environment): REPEATS (3), BENCH_SIZES (10000,100000; add 1000000 for the 1M target,
# about 5 more minutes), HTTP_DURATION (10s), UNCACHED_RATE (200 req/s, "moderate load"),
# WORKERS (8), OUT (docs/PERFORMANCE.md).
# The body is one function, read whole before it runs, so editing this file while a run is in
# progress does not change that run.
main() {
set -euo pipefail
cd "$(dirname "$0")/.."

REPEATS=${REPEATS:-3}
BENCH_SIZES=${BENCH_SIZES:-10000,100000}
HTTP_DURATION=${HTTP_DURATION:-10s}
UNCACHED_RATE=${UNCACHED_RATE:-200}
WORKERS=${WORKERS:-8}
OUT=${OUT:-docs/PERFORMANCE.md}
SEPHORA=${SKINGRAPH_SEPHORA_DIR:-../shared/datasets/sephora}
GO=${GO:-go}
PORT=${BENCH_PORT:-18181}

PRODUCTS="$SEPHORA/product_info.csv"
REVIEWS="$SEPHORA/reviews_skincare_2023-01_2023-02.csv"
[ -r "$PRODUCTS" ] && [ -r "$REVIEWS" ] || { echo "bench: the Sephora files are not in $SEPHORA (set SKINGRAPH_SEPHORA_DIR)" >&2; exit 1; }
SEPHORA=$(cd "$SEPHORA" && pwd) # go test runs in the package's folder
PRODUCTS="$SEPHORA/product_info.csv"
REVIEWS="$SEPHORA/reviews_skincare_2023-01_2023-02.csv"

WORK=$(mktemp -d)
NEO4J_PID="" SERVE_PID=""
cleanup() {
	[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
	[ -n "$NEO4J_PID" ] && kill "$NEO4J_PID" 2>/dev/null && wait "$NEO4J_PID" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "bench: $*" >&2; }
# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "n/a"; exit} if (NR%2) v=a[(NR+1)/2]; else v=(a[NR/2]+a[NR/2+1])/2; if (v >= 1000) printf "%.0f\n", v; else printf "%.4g\n", v}'; }
# value of metric $2 (e.g. p50-ms) on benchmark lines matching $1
metric() { grep -E "^$1" | awk -v m="$2" '{for (i=2;i<=NF;i++) if ($i==m) print $(i-1)}'; }
# the value of a JSON number field of a flat report
jfield() { { tr -d ' \n' <"$1"; echo; } | sed -E 's/.*"'"$2"'":([0-9.e+-]+).*/\1/'; }

START=$(date -u +%Y-%m-%dT%H:%MZ)
T0=$(date +%s)
log "building"
$GO build -o "$WORK/skingraph" ./cmd/skingraph
BIN="$WORK/skingraph"

# 1. In-process ranker on synthetic catalogues.
log "ranker benchmark (sizes $BENCH_SIZES, $REPEATS runs)"
SKINGRAPH_BENCH_SIZES=$BENCH_SIZES $GO test -run='^$' -bench='^BenchmarkRank$' -benchtime=300x -count="$REPEATS" ./ranker/ | tee "$WORK/ranker.txt" >&2
grep -q '^BenchmarkRank/' "$WORK/ranker.txt" || { echo "bench: BenchmarkRank did not run" >&2; exit 1; }

# 2. Sephora: projection rebuild from Neo4j, reference (Cypher) ranker and ranker on the same requests.
# Each run loads Sephora into a test Neo4j first (about a minute), so the slow operations run
# once with 12 samples each, and the ranker once with 3000 requests (its p50/p99 are medians
# and quantiles over those).
log "Sephora benchmark: projection rebuild and the Cypher reference ranker"
SKINGRAPH_SEPHORA_DIR=$SEPHORA $GO test -v -run='^$' -bench='^BenchmarkSephora$/^(Project|ReferenceRank)$' -benchtime=12x -timeout 30m ./cypher/ | tee "$WORK/sephora.txt" >&2
log "Sephora benchmark: the ranker on the same requests"
SKINGRAPH_SEPHORA_DIR=$SEPHORA $GO test -run='^$' -bench='^BenchmarkSephora$/^Rank$' -benchtime=3000x -timeout 30m ./cypher/ | tee -a "$WORK/sephora.txt" >&2
grep -q '^BenchmarkSephora/Rank' "$WORK/sephora.txt" || { echo "bench: BenchmarkSephora did not run" >&2; exit 1; }

# 3. Load throughput and HTTP, against a local Neo4j and a served Sephora graph.
log "starting a local Neo4j"
export SKINGRAPH_DATA_DIR="$WORK/neo4j" SKINGRAPH_NEO4J_PASSWORD=bench-$$ SKINGRAPH_LOG_LEVEL=warn
# Reviewer pseudonyms need a key against an existing Neo4j; a throwaway one for this throwaway graph.
export SKINGRAPH_PSEUDONYM_KEY="bench-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d " \n")"
"$BIN" neo4j >"$WORK/neo4j.out" 2>"$WORK/neo4j.err" &
NEO4J_PID=$!
for _ in $(seq 1 600); do grep -q '^SKINGRAPH_NEO4J_URI=' "$WORK/neo4j.out" 2>/dev/null && break; sleep 1; done
export SKINGRAPH_NEO4J_URI=$(sed -n 's/^SKINGRAPH_NEO4J_URI=//p' "$WORK/neo4j.out")
[ -n "$SKINGRAPH_NEO4J_URI" ] || { cat "$WORK/neo4j.err" >&2; exit 1; }
log "loading Sephora into $SKINGRAPH_NEO4J_URI"
"$BIN" load sephora --products "$PRODUCTS" --reviews "$REVIEWS" | tee "$WORK/load.txt" >&2
LOAD_ROWS_S=$(sed -nE 's/.*took .*\(([0-9]+) rows, ([0-9]+) rows\/s.*/\2/p' "$WORK/load.txt")
LOAD_ROWS=$(sed -nE 's/.*took .*\(([0-9]+) rows, ([0-9]+) rows\/s.*/\1/p' "$WORK/load.txt")
LOAD_TOOK=$(sed -nE 's/.*took +([^ ]+) .*/\1/p' "$WORK/load.txt")

SKINGRAPH_HTTP_ADDR=127.0.0.1:$PORT "$BIN" serve >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVE_PID=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 1; done
URL=http://127.0.0.1:$PORT
for i in $(seq 1 "$REPEATS"); do
	log "HTTP run $i of $REPEATS"
	"$BIN" bench --url "$URL" --mode cached --workers "$WORKERS" --duration "$HTTP_DURATION" --warmup 2s --json "$WORK/cached-$i.json" >&2
	"$BIN" bench --url "$URL" --mode cached --gzip --workers "$WORKERS" --duration "$HTTP_DURATION" --warmup 2s --json "$WORK/cachedgz-$i.json" >&2
	"$BIN" bench --url "$URL" --mode uncached --workers "$WORKERS" --duration "$HTTP_DURATION" --warmup 2s --rate "$UNCACHED_RATE" --seed "$i" --json "$WORK/uncached-$i.json" >&2
	"$BIN" bench --url "$URL" --mode uncached --workers 4 --duration "$HTTP_DURATION" --warmup 2s --seed "$((i + 100))" --json "$WORK/saturated-$i.json" >&2
	if command -v wrk >/dev/null 2>&1; then
		wrk -t2 -c"$WORKERS" -d"$HTTP_DURATION" --latency "$URL/v1/recommendations?skin_type=oily&concerns=acne,pores&sensitivities=fragrance&limit=10" >"$WORK/wrk-$i.txt"
		wrk -t2 -c"$WORKERS" -d"$HTTP_DURATION" --latency -H 'Accept-Encoding: gzip' "$URL/v1/recommendations?skin_type=oily&concerns=acne,pores&sensitivities=fragrance&limit=10" >"$WORK/wrkgz-$i.txt"
	fi
	# The cached path uses no Neo4j: with the server's threads on the first core and the load
	# generator on the second, the two no longer compete for the same CPU.
	if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
		taskset -a -p -c 0 "$SERVE_PID" >/dev/null
		taskset -c 1 "$BIN" bench --url "$URL" --mode cached --gzip --workers 4 --duration "$HTTP_DURATION" --warmup 2s --json "$WORK/pinnedgz-$i.json" >&2
		taskset -c 1 "$BIN" bench --url "$URL" --mode cached --workers 4 --duration "$HTTP_DURATION" --warmup 2s --json "$WORK/pinned-$i.json" >&2
		taskset -a -p -c "0-$(($(nproc) - 1))" "$SERVE_PID" >/dev/null
	fi
done

hmed() { for f in "$WORK"/$1-*.json; do jfield "$f" "$2"; done | median; }
wmed() { # wrk: the quantile $2 (e.g. 50%) in ms, or Requests/sec, of the runs named $1 (wrk, wrkgz)
	for f in "$WORK"/$1-*.txt; do
		[ -f "$f" ] || continue
		if [ "$2" = rps ]; then awk '/^Requests\/sec/ {print $2}' "$f"
		else awk -v q="$2" '$1==q {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000} print v}' "$f"; fi
	done | median
}

SECONDS_TOTAL=$(( $(date +%s) - T0 ))
CPU=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)
MEM=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || echo unknown)
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)

mkdir -p "$(dirname "$OUT")"
{
cat <<EOF
# Performance

Regenerated by \`make bench\` (\`scripts/bench.sh\`) on $START in ${SECONDS_TOTAL} s. Every figure is
the median of $REPEATS runs; latencies are per request. Targets are DESIGN.md section 7.

## Machine

| | |
|---|---|
| CPU | $CPU, $(nproc) cores |
| memory | $MEM |
| Go | $($GO env GOVERSION) |
| load average when the report was written | $LOADAVG |

These development machines are shared: the load average above says how much else was running.
Over HTTP the load generator runs on the same cores as the server and Neo4j, except in the
rows that say otherwise (server and generator pinned to one core each with \`taskset\`).

## In-process ranking, synthetic catalogues (uncached, full explanations)

\`SKINGRAPH_BENCH_SIZES=$BENCH_SIZES go test -run='^\$' -bench='^BenchmarkRank\$' -benchtime=300x -count=$REPEATS ./ranker/\`

| products | p50 ms | p99 ms | projection build | live heap |
|---|---|---|---|---|
EOF
for n in ${BENCH_SIZES//,/ }; do
	p50=$(metric "BenchmarkRank/products=$n-" p50-ms <"$WORK/ranker.txt" | median)
	p99=$(metric "BenchmarkRank/products=$n-" p99-ms <"$WORK/ranker.txt" | median)
	build=$(grep -E "projection: $n products" "$WORK/ranker.txt" | sed -E 's/.*built in ([^,]+),.*/\1/' | sed -E 's/ms$//' | awk '/s$/ {sub(/s$/,""); $1*=1000} {print}' | median)
	heap=$(grep -E "projection: $n products" "$WORK/ranker.txt" | sed -E 's/.* ([0-9]+) MiB live heap.*/\1/' | median)
	echo "| $n | $p50 | $p99 | ${build} ms | ${heap} MiB |"
done
cat <<EOF

Targets: 1M products p99 <= 25 ms (run with \`BENCH_SIZES=10000,100000,1000000 make bench\`).

## Sephora scale: projection rebuild, ranker and the Cypher reference ranker

\`SKINGRAPH_SEPHORA_DIR=$SEPHORA go test -run='^\$' -bench='^BenchmarkSephora\$/^(Project|ReferenceRank)\$' -benchtime=12x ./cypher/\` and
\`... -bench='^BenchmarkSephora\$/^Rank\$' -benchtime=3000x ./cypher/\`
($(grep -m1 -oE 'projection: [0-9]+ products, [0-9]+ nodes, [0-9]+ relationships' "$WORK/sephora.txt" || echo "projection size not reported"))

| what | p50 ms | p99 ms | mean per operation |
|---|---|---|---|
EOF
REF50=$(metric 'BenchmarkSephora/ReferenceRank-' p50-ms <"$WORK/sephora.txt" | median)
RANK50=$(metric 'BenchmarkSephora/Rank-' p50-ms <"$WORK/sephora.txt" | median)
PROJ=$(metric 'BenchmarkSephora/Project-' ns/op <"$WORK/sephora.txt" | median)
echo "| projection rebuild from Neo4j | | | $(awk -v n="$PROJ" 'BEGIN {printf "%.0f ms", n/1e6}') |"
echo "| ranker (in-process, full why) | $RANK50 | $(metric 'BenchmarkSephora/Rank-' p99-ms <"$WORK/sephora.txt" | median) | |"
echo "| Cypher reference ranker, same requests | $REF50 | $(metric 'BenchmarkSephora/ReferenceRank-' p99-ms <"$WORK/sephora.txt" | median) | |"
echo
echo "Speed-up of the ranker over the Cypher reference at p50: $(awk -v a="$REF50" -v b="$RANK50" 'BEGIN {if (b>0) printf "%.0fx", a/b; else print "n/a"}') (target >= 50x). Targets: rebuild <= 10 s; ranker p99 <= 2 ms."
cat <<EOF

## Load throughput (Sephora into Neo4j, one transaction)

\`skingraph load sephora --products product_info.csv --reviews reviews_skincare_2023-01_2023-02.csv\`
into an empty local Neo4j: $LOAD_ROWS rows (products and reviews read, validated and written) in
$LOAD_TOOK, **$LOAD_ROWS_S rows/s** (one run: a second load of the same files changes nothing and so
is not a measure of writing).

## HTTP (Sephora graph served by \`skingraph serve\`, measured with \`skingraph bench\`)

| mode | command | p50 ms | p99 ms | p99.9 ms | throughput req/s | errors |
|---|---|---|---|---|---|---|
| cached (4 GET requests repeated) | \`skingraph bench --mode cached --workers $WORKERS --duration $HTTP_DURATION\` | $(hmed cached p50_ms) | $(hmed cached p99_ms) | $(hmed cached p999_ms) | $(hmed cached throughput_rps) | $(hmed cached errors) |
| cached, client accepts gzip | \`skingraph bench --mode cached --gzip --workers $WORKERS --duration $HTTP_DURATION\` | $(hmed cachedgz p50_ms) | $(hmed cachedgz p99_ms) | $(hmed cachedgz p999_ms) | $(hmed cachedgz throughput_rps) | $(hmed cachedgz errors) |
| uncached, moderate load (open loop) | \`skingraph bench --mode uncached --rate $UNCACHED_RATE --workers $WORKERS --duration $HTTP_DURATION\` | $(hmed uncached p50_ms) | $(hmed uncached p99_ms) | $(hmed uncached p999_ms) | $(hmed uncached throughput_rps) | $(hmed uncached errors) |
| uncached, saturated (closed loop) | \`skingraph bench --mode uncached --workers 4 --duration $HTTP_DURATION\` | $(hmed saturated p50_ms) | $(hmed saturated p99_ms) | $(hmed saturated p999_ms) | $(hmed saturated throughput_rps) | $(hmed saturated errors) |
EOF
if ls "$WORK"/wrk-*.txt >/dev/null 2>&1; then
	echo "| cached, wrk for comparison | \`wrk -t2 -c$WORKERS -d$HTTP_DURATION --latency URL\` | $(wmed wrk 50%) | $(wmed wrk 99%) | | $(wmed wrk rps) | |"
	echo "| cached, wrk, gzip accepted | \`wrk -t2 -c$WORKERS -d$HTTP_DURATION --latency -H 'Accept-Encoding: gzip' URL\` | $(wmed wrkgz 50%) | $(wmed wrkgz 99%) | | $(wmed wrkgz rps) | |"
fi
if ls "$WORK"/pinnedgz-*.json >/dev/null 2>&1; then
	echo "| cached, gzip, server on core 0 and generator on core 1 | \`taskset -a -p -c 0 SERVER_PID; taskset -c 1 skingraph bench --mode cached --gzip --workers 4 --duration $HTTP_DURATION\` | $(hmed pinnedgz p50_ms) | $(hmed pinnedgz p99_ms) | $(hmed pinnedgz p999_ms) | $(hmed pinnedgz throughput_rps) | $(hmed pinnedgz errors) |"
	echo "| cached, server on core 0 and generator on core 1 | \`taskset -c 1 skingraph bench --mode cached --workers 4 --duration $HTTP_DURATION\` | $(hmed pinned p50_ms) | $(hmed pinned p99_ms) | $(hmed pinned p999_ms) | $(hmed pinned throughput_rps) | $(hmed pinned errors) |"
fi
cat <<EOF

Uncached requests post a random profile (skin type, tone, 1 to 3 concerns, sensitivities, a
category and price cap, \`explain=full\`), so nearly every one misses the result cache. Open loop
counts latency from when a request was due, so a stalled server is not hidden. Targets:
uncached p99 <= 5 ms at moderate load; cached p99 <= 1 ms and >= 20k req/s.
On 2 cores a closed-loop generator on the server's cores spends about as much CPU as the
server: the pinned rows give the server one core of its own and the generator the other.

## Reproducing one figure

\`\`\`sh
make build
./bin/skingraph neo4j &                        # prints SKINGRAPH_NEO4J_URI and the password
export SKINGRAPH_NEO4J_URI=... SKINGRAPH_NEO4J_PASSWORD=... SKINGRAPH_PSEUDONYM_KEY=<32+ secret characters>
./bin/skingraph load sephora --products $PRODUCTS --reviews $REVIEWS
SKINGRAPH_HTTP_ADDR=127.0.0.1:8080 ./bin/skingraph serve &
./bin/skingraph bench --mode cached --workers 8 --duration 10s
./bin/skingraph bench --mode uncached --rate 200 --duration 10s --json -
SKINGRAPH_PPROF_ADDR=127.0.0.1:6060 ...serve  # then: go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=10
\`\`\`
EOF
# Hand-written notes (findings, profiles) below the marker line survive regeneration.
if [ -f "$OUT" ] && grep -q '^<!-- notes -->' "$OUT"; then
	echo
	sed -n '/^<!-- notes -->/,$p' "$OUT"
fi
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
log "wrote $OUT in ${SECONDS_TOTAL}s"
}
main "$@"

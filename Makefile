# skingraph: the two commands are `make run` and `make test`; both install what a fresh
# machine lacks (a JDK and Maven from Debian when run as root, Go modules, the web pages' npm
# packages, and for the browser tests Debian's chromium, for the replica tests Debian's
# redis-server and haproxy) first.

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
BIN      := bin/skingraph
WEB      := api/web
NPM      ?= npm
CHROMIUM ?= $(or $(SKINGRAPH_CHROMIUM),/usr/bin/chromium)

.PHONY: run test go-test contract-then-fuzz test-fast check-size build prereqs services vet neo4j eval clean web web-deps chromium bench bench-scale fuzz contract contract-deps

## run: start a local Neo4j (data in var/neo4j), load the demo data on first run, serve on 127.0.0.1:8080
run: prereqs build
	./$(BIN) up

## test: every test, against a real Neo4j started by the tests themselves
## The web pages' bundle (api/web/dist) is committed, so a plain 'go build' embeds working pages;
## test checks that it matches api/web/src (rebuild with 'make web' or 'make build' and commit it).
## Packages run side by side (go test -p, default 2: one per core); the Neo4j packages share
## one server per test binary, and a prepared graph is reused while nothing changed it
## (testcontainers/neo4jtest).
TEST_P ?= 2
## The Go tests run beside the contract test and then the fuzz runs (make -j2, each one's
## output kept together): the contract is mostly Python and one server, and the two together
## (about 3-4 min) end before the Go tests (6-7 min), so that the fuzz runs no longer wait
## for the Go tests (they took 77 s of CPU, 112 s of wall time on a loaded machine, alone
## at the end).
test: prereqs services web-deps chromium check-size contract-deps
	$(GO) vet ./...
	cd $(WEB) && $(NPM) run --silent check
	$(MAKE) --no-print-directory -j2 --output-sync=target go-test contract-then-fuzz

## contract-then-fuzz: the contract test, then every fuzz target for 10000 executions
contract-then-fuzz: contract
	$(MAKE) --no-print-directory fuzz FUZZTIME=10000x

go-test:
	SKINGRAPH_CHROMIUM=$(CHROMIUM) $(GO) test -count=1 -p $(TEST_P) -timeout 20m ./...

## contract: schemathesis (pinned in api/contract/requirements.txt) against the full server
## (skingraph up on a free loopback port, its own Neo4j in a temporary folder, the demo data):
## all checks, stateful phase included, seed CONTRACT_SEED, CONTRACT_EXAMPLES examples per
## operation; zero failures or it fails. More: make contract CONTRACT_EXAMPLES=200 CONTRACT_SEED=7
CONTRACT_VENV     := var/contract-venv
CONTRACT_SEED     ?= 20261207
CONTRACT_EXAMPLES ?= 25
contract: prereqs contract-deps
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/skingraph
	SCHEMATHESIS=$(CONTRACT_VENV)/bin/schemathesis BIN=$(BIN) CONTRACT_SEED=$(CONTRACT_SEED) \
		CONTRACT_EXAMPLES=$(CONTRACT_EXAMPLES) ./scripts/contract.sh

## contract-deps: a Python venv with the pinned schemathesis (Debian's python3-venv when root and missing)
contract-deps: $(CONTRACT_VENV)/.installed

$(CONTRACT_VENV)/.installed: api/contract/requirements.txt
	@if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing python3-venv from Debian"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
		else \
			echo "the contract test needs python3 with venv; install it, e.g. 'sudo apt-get install python3-venv'" >&2; \
			exit 1; \
		fi; \
	fi
	python3 -m venv $(CONTRACT_VENV)
	$(CONTRACT_VENV)/bin/pip install --quiet --disable-pip-version-check -r api/contract/requirements.txt
	@touch $@

## test-fast: the inner loop, under a minute: vet and the tests of every package whose tests
## need no Neo4j (neither testcontainers nor neo4jtest), fuzz seeds included, and the
## dependency-direction test of cmd/skingraph; no browser, no Neo4j
FAST_PKGS = $(shell $(GO) list -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... | \
	awk '$$1 !~ /\/testcontainers$$/ && !/\/testcontainers\/neo4jtest( |$$)/ && !/\/skingraph\/testcontainers( |$$)/ {print $$1}')
test-fast: web-deps check-size
	$(GO) vet ./...
	$(GO) test -count=1 -p $(TEST_P) $(FAST_PKGS)
	$(GO) test -count=1 -run '^TestDependenciesPointInward$$' ./cmd/skingraph

## check-size: fails when a tracked file is over MAX_FILE_BYTES (5 MB): no binaries, build
## outputs or datasets in git (.gitignore covers the build outputs)
MAX_FILE_BYTES ?= 5242880
check-size:
	@git ls-files -z | xargs -0 -r stat -c '%s %n' 2>/dev/null | \
		awk -v max=$(MAX_FILE_BYTES) '$$1 > max {print "tracked file over " max " bytes: " $$2 " (" $$1 " bytes)"; big=1} END {exit big}' >&2 || \
		{ echo "check-size: remove these files from git (git rm --cached) and cover them in .gitignore" >&2; exit 1; }

## fuzz: run every fuzz target for FUZZTIME each (make test: 10000x, a count: a time budget on Go 1.26
## can fail with a bare "context deadline exceeded" at its end, go.dev/issue/75804; longer runs: make fuzz FUZZTIME=5m);
## new failing inputs are saved under the package's testdata/fuzz and replayed by go test.
## Each package's instrumented test binary is built once (go test -c -fuzz) and run for each of
## its targets in the package's folder with go test's corpus cache: a go test -fuzz per target
## linked the binary again each time (about 2 s of CPU per target, 13 targets).
FUZZTIME ?= 30s
FUZZ_PKGS := ./graph/inci ./api ./loader
fuzz:
	@bin=$$(mktemp -d) && trap 'rm -rf "$$bin"' EXIT && cache=$$($(GO) env GOCACHE)/fuzz && \
	for pkg in $(FUZZ_PKGS); do \
		$(GO) test -c -fuzz . -o "$$bin/fuzz.test" $$pkg || exit 1; \
		ip=$$($(GO) list $$pkg) || exit 1; \
		for f in $$(cd $$pkg && "$$bin/fuzz.test" -test.list '^Fuzz' | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
			(cd $$pkg && "$$bin/fuzz.test" -test.run '^$$' -test.fuzz "^$$f\$$" -test.fuzztime $(FUZZTIME) \
				-test.fuzzcachedir "$$cache/$$ip" -test.timeout 10m) || exit 1; \
		done; \
	done

## bench: regenerate docs/PERFORMANCE.md (ranker, Sephora projection and Cypher reference, load, HTTP); ~10-20 min, not part of test
bench: prereqs
	./scripts/bench.sh

## bench-scale: the realistic-scale benchmark (docs/SCALING.md): a `skingraph gen` catalogue
## (SCALE=100k: 100k products / 1M reviews, the default; SCALE=1m: 1M / 5M) and, when the
## files are there, the Sephora graph side by side: load, projection build and heap, RSS,
## uncached HTTP p50/p99 at 100 req/s (explain none and full), cached throughput, change to
## visible. Data is kept in SCALE_DIR (var/scale) and loaded once; not part of test
bench-scale: prereqs
	./scripts/bench-scale.sh

build: web
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/skingraph

## neo4j: only a local Neo4j, printing how to reach it
neo4j: prereqs build
	./$(BIN) neo4j

## eval: offline evaluation on the shared Sephora reviews of January and February 2023
## (docs/EVALUATION.md): rolling windows, weights tuned on validation
SEPHORA    ?= ../shared/datasets/sephora
# Rolling-origin evaluation (docs/EVALUATION.md): two test windows, every weight and baseline
# hyper-parameter chosen on each window's validation week. EVAL_SPLITS=2023-02-01 is the
# single January -> February split; EVAL_FLAGS=--tune=false ranks with the default weights.
# EVAL_FLAGS='--tune --bag 3' bags the weight search (round 11; not the default, it did worse);
# EVAL_FLAGS='--tune --cold-start searched' searches the cold-start set too (rounds 3-11);
# EVAL_FLAGS='--tune --cold-start forecast' may fit it as a forecast of next week's reviews.
EVAL_SPLITS ?= 2023-02-01,2023-02-15
EVAL_FLAGS ?= --tune
eval: prereqs build
	./$(BIN) eval --products $(SEPHORA)/product_info.csv \
		--reviews $(SEPHORA)/reviews_skincare_2023-01_2023-02.csv --split-date $(EVAL_SPLITS) \
		--json eval.json $(EVAL_FLAGS)

vet:
	$(GO) vet ./...

## prereqs: Java 17+ and Maven (for Neo4j from Maven Central) and the Go modules
prereqs:
	@if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing default-jdk-headless and maven from Debian"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jdk-headless maven >/dev/null; \
		else \
			echo "skingraph needs Java 17+ (java) and Apache Maven (mvn) on PATH; install them, e.g. 'sudo apt-get install default-jdk-headless maven'" >&2; \
			exit 1; \
		fi; \
	fi
	@java -version 2>&1 | head -n1
	$(GO) mod download

## services: Debian's redis-server and haproxy, which the shared-state and replica tests run as
## child processes on free loopback ports (the packages' own services are not used)
services:
	@if ! command -v redis-server >/dev/null 2>&1 || { ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; }; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing redis-server and haproxy from Debian"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server haproxy >/dev/null; \
		else \
			echo "the replica tests need redis-server and haproxy; install them, e.g. 'sudo apt-get install redis-server haproxy'" >&2; \
			exit 1; \
		fi; \
	fi

## web: bundle the pages (api/web/src -> api/web/dist, embedded by the Go build)
web: web-deps
	cd $(WEB) && $(NPM) run --silent build

## web-deps: Node.js (from Debian when root) and the pinned npm packages of api/web (npm ci)
web-deps: $(WEB)/node_modules/.package-lock.json

$(WEB)/node_modules/.package-lock.json: $(WEB)/package.json $(WEB)/package-lock.json
	@if ! command -v node >/dev/null 2>&1 || ! command -v $(NPM) >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing nodejs and npm from Debian"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
		else \
			echo "the web pages need Node.js 20+ and npm on PATH; install them, e.g. 'sudo apt-get install nodejs npm'" >&2; \
			exit 1; \
		fi; \
	fi
	cd $(WEB) && $(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

## chromium: Debian's chromium, which the browser tests drive headless (no browser download)
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing chromium from Debian (for the browser tests)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "the browser tests need chromium at $(CHROMIUM); install it ('sudo apt-get install chromium') or set SKINGRAPH_CHROMIUM" >&2; \
			exit 1; \
		fi; \
	fi

clean:
	rm -rf bin

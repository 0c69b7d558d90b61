# skingraph: the two commands are `make run` and `make test`; both install what a fresh
# machine lacks (a JDK and Maven from Debian when run as root, Go modules) first.

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
BIN      := bin/skingraph

.PHONY: run test build prereqs vet neo4j clean bench

## run: start a local Neo4j (data in var/neo4j), load the demo data on first run, serve on 127.0.0.1:8080
run: prereqs build
	./$(BIN) up

## test: every test, against a real Neo4j started by the tests themselves
test: prereqs
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

## bench: regenerate docs/PERFORMANCE.md (ranker, Sephora projection and Cypher reference, load, HTTP); ~10-20 min, not part of test
bench: prereqs
	./scripts/bench.sh

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/skingraph

## neo4j: only a local Neo4j, printing how to reach it
neo4j: prereqs build
	./$(BIN) neo4j

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

clean:
	rm -rf bin

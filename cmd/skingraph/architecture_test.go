package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestDependenciesPointInward checks the layering of STYLE.md (habit 3 and 14): the domain
// knows no infrastructure, only cypher imports the Neo4j driver, only api imports Gin, the
// ranker never reaches for the database adapter, and the database adapter never reaches for
// the ranker (its Cypher reference ranker is test code).
func TestDependenciesPointInward(t *testing.T) {
	const mod = "github.com/skingraph/skingraph/"
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", mod+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	type pkg struct {
		ImportPath string
		Imports    []string
		Deps       []string
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 6 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	const (
		driver = "github.com/neo4j/neo4j-go-driver"
		gin    = "github.com/gin-gonic/gin"
		redis  = "github.com/redis/go-redis"
	)
	rules := []struct {
		pkgPrefix string
		forbidden []string
		direct    bool // check direct imports only (else every transitive dependency)
		why       string
	}{
		{mod + "graph", []string{driver, gin, mod + "cypher", mod + "api", mod + "loader", mod + "ranker", mod + "testcontainers", "github.com/rs/zerolog", "encoding/json", "net/http"}, false, "graph is the domain and knows no infrastructure"},
		{mod + "ranker", []string{driver, gin, mod + "cypher", mod + "api", mod + "loader"}, false, "ranker depends on graph only"},
		{mod + "loader", []string{driver, gin, mod + "cypher", mod + "api"}, false, "loader hands loads to a Writer interface"},
		{mod + "feedback", []string{driver, gin, mod + "cypher", mod + "api", mod + "loader", mod + "ranker"}, false, "feedback depends on graph and its own interfaces"},
		{mod + "cypher", []string{gin, mod + "ranker", mod + "api", mod + "loader", mod + "feedback"}, false, "cypher is the Neo4j adapter of graph; the reference ranker that checks ranker against it is test code"},
		{mod + "api", []string{driver, mod + "cypher", mod + "loader", mod + "testcontainers", redis}, false, "api depends on interfaces"},
		{mod + "sharedstate", []string{driver, gin, mod + "cypher", mod + "api", mod + "loader", mod + "ranker", mod + "testcontainers"}, false, "sharedstate implements graph's shared-state interfaces (in memory and in Redis)"},
		{mod + "testcontainers", []string{gin, mod + "api"}, false, "testcontainers only starts servers"},
		{mod + "loader/reviewtext", []string{driver, gin, mod + "cypher", mod + "api", mod + "ranker", mod + "feedback", mod + "testcontainers", "encoding/csv", "os"}, false, "the review-text models read text, not files or graphs"},
		{mod + "cypher/internal", []string{gin, mod + "api", mod + "ranker", mod + "loader", mod + "feedback", mod + "testcontainers", mod + "cypher/staging"}, false, "cypher's inner packages (transactions, rows, the visibility rule) serve the store and staging and know neither"},
		{mod + "cypher/staging", []string{gin, mod + "api", mod + "ranker", mod + "loader", mod + "feedback", mod + "testcontainers"}, false, "staging writes staged loads through cypher's inner packages and the Store interface it owns"},
	}
	// Edges that must exist: the visibility rule is imported explicitly by every package that
	// reads or writes around staged loads, so that go list shows who depends on it.
	required := map[string][]string{
		mod + "cypher":         {mod + "cypher/internal/visibility", mod + "cypher/staging"},
		mod + "cypher/staging": {mod + "cypher/internal/visibility", mod + "cypher/internal/txn", mod + "cypher/internal/rows"},
	}
	// Edges that must not exist, matched exactly: the inner packages never reach back for the
	// store (package cypher) that uses them.
	upward := map[string][]string{
		mod + "cypher/staging":             {mod + "cypher"},
		mod + "cypher/internal/txn":        {mod + "cypher"},
		mod + "cypher/internal/rows":       {mod + "cypher"},
		mod + "cypher/internal/visibility": {mod + "cypher"},
	}
	seen := map[string]bool{}
	for _, p := range pkgs {
		seen[p.ImportPath] = true
		for _, dep := range required[p.ImportPath] {
			if !slices.Contains(p.Imports, dep) {
				t.Errorf("%s does not import %s: the read paths and the staging protocol use the one visibility rule and the shared transaction and row packages", p.ImportPath, dep)
			}
		}
		for _, dep := range upward[p.ImportPath] {
			if slices.Contains(p.Deps, dep) {
				t.Errorf("%s depends on %s: cypher's inner packages serve the store, never the other way round", p.ImportPath, dep)
			}
		}
		for _, r := range rules {
			if p.ImportPath != r.pkgPrefix && !strings.HasPrefix(p.ImportPath, r.pkgPrefix+"/") {
				continue
			}
			list := p.Deps
			if r.direct {
				list = p.Imports
			}
			for _, dep := range list {
				for _, f := range r.forbidden {
					if dep == f || strings.HasPrefix(dep, f+"/") {
						t.Errorf("%s depends on %s: %s", p.ImportPath, dep, r.why)
					}
				}
			}
		}
		// Only cypher imports the driver directly; only api imports Gin directly.
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, driver) && !strings.HasPrefix(p.ImportPath, mod+"cypher") {
				t.Errorf("%s imports the Neo4j driver; only package cypher may", p.ImportPath)
			}
			if strings.HasPrefix(imp, gin) && !strings.HasPrefix(p.ImportPath, mod+"api") {
				t.Errorf("%s imports Gin; only package api may", p.ImportPath)
			}
		}
	}
	for pkg := range required {
		if !seen[pkg] {
			t.Errorf("go list found no package %s", pkg)
		}
	}
}

package main

import (
	"testing"

	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// The tests of this package alternate between empty graphs and the demo graph: the demo graph
// keeps a server of its own, so that a switch does not wipe it and load it again.
func TestMain(m *testing.M) { neo4jtest.Main(m, neo4jtest.DemoServer()) }

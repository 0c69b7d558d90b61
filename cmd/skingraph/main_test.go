package main

import (
	"testing"

	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

func TestMain(m *testing.M) { neo4jtest.Main(m) }

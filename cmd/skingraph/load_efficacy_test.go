package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

const efficacyHeader = "subject_type,subject,concern,skin_type,effect_size,sample_size,evidence,source,date\n"

// goodEfficacy are claims on the demo data: a TREATS weight, a per-skin-type claim and a
// product claim.
const goodEfficacy = efficacyHeader +
	"ingredient,Niacinamide,large pores,,0.5,80,clinical,Study A,2021-03-04\n" +
	"ingredient,Retinol,aging,dry,0.4,25,clinical,Study B,2020-01-02\n" +
	"product,demo-0001,dryness,,0.3,12,expert-consensus,Panel C,2024-06-07\n"

// badEfficacy has three bad rows among good ones.
const badEfficacy = efficacyHeader +
	"ingredient,Niacinamide,acne,,0.5,80,clinical,Study A,2021-03-04\n" +
	"ingredient,Nacinamide,acne,,0.5,80,clinical,Study A,2021-03-04\n" +
	"ingredient,Retinol,acnee,,1.5,0,clinical,,2020-02-30\n" +
	"product,demo-00001,dryness,,0.3,12,expert-consensus,Panel C,2024-06-07\n"

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadEfficacyCommand(t *testing.T) {
	store := neo4jtest.Demo(t)
	ctx := context.Background()

	bad := writeTemp(t, "bad.csv", badEfficacy)
	var out bytes.Buffer
	err := runLoad(ctx, store, &out, io.Discard, "efficacy", bad)
	if !errors.Is(err, graph.ErrInvalid) {
		t.Fatalf("bad file: err = %v, want graph.ErrInvalid", err)
	}
	want := strings.Join([]string{
		bad + `:3 subject: unknown ingredient "nacinamide" (did you mean "niacinamide"?)`,
		bad + `:4 source: required`,
		bad + `:4 concern: unknown concern "acnee" (did you mean "acne"?)`,
		bad + `:4 effect_size: must be between 0 and 1, got 1.5`,
		bad + `:4 sample_size: must be at least 1, got 0`,
		bad + `:4 date: must be a date YYYY-MM-DD, got "2020-02-30"`,
		bad + `:5 subject: unknown product "demo-00001" (did you mean "demo-0001"?)`,
	}, "\n") + "\n"
	if out.String() != want {
		t.Errorf("bad rows printed:\n%s\nwant:\n%s", out.String(), want)
	}
	if v, _ := store.DataVersion(ctx); v.N != 1 {
		t.Errorf("data version after a bad file = %d, want 1", v.N)
	}

	good := writeTemp(t, "good.csv", goodEfficacy)
	out.Reset()
	if err := runLoad(ctx, store, &out, io.Discard, "efficacy", good, "--dry-run"); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if s := out.String(); !strings.Contains(s, ": dry run: nothing written; data version 1\n") || !strings.Contains(s, "(3 rows)") {
		t.Errorf("dry run printed:\n%s", s)
	}
	if v, _ := store.DataVersion(ctx); v.N != 1 {
		t.Errorf("data version after a dry run = %d, want 1", v.N)
	}

	out.Reset()
	if err := runLoad(ctx, store, &out, io.Discard, "efficacy", good); err != nil {
		t.Fatalf("load: %v", err)
	}
	if s := out.String(); !strings.Contains(s, ": committed; data version 2\n") {
		t.Errorf("load printed:\n%s", s)
	}
	out.Reset()
	if err := runLoad(ctx, store, &out, io.Discard, "efficacy", "--dry-run=false", good); err != nil {
		t.Fatalf("load again: %v", err)
	}
	if s := out.String(); !strings.Contains(s, ": nothing changed; data version 2\n") ||
		!strings.Contains(s, "created 0, updated 0, unchanged 3 (3 rows)") {
		t.Errorf("load again printed:\n%s", s)
	}

	if err := runLoad(ctx, store, &out, io.Discard, "efficacy"); err == nil {
		t.Error("no file: want a usage error")
	}
}

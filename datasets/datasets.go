// Package datasets carries the data the project ships: the curated ingredient knowledge base
// and the demo catalogue, embedded in the binary so that `skingraph load demo` works from any
// folder. The formats are documented in README.md beside this file.
package datasets

import "embed"

// FS holds the bundled data files: ingredients.jsonl and the demo/ folder.
//
//go:embed ingredients.jsonl demo/*.jsonl
var FS embed.FS

package loader

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/skingraph/skingraph/datasets"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// CosIng (the EU inventory of cosmetic ingredients, cosing.csv: inci_name, cas_number,
// einecs_number, function) enriches the Ingredient nodes already in the graph with their
// functions. It never creates nodes: of its ~28,700 entries only the few thousand that some
// loaded label or the knowledge base uses matter to the recommendations, and 25,000
// function-only nodes would weigh on the projection, search and every count. Names are
// matched through the INCI normaliser (with the knowledge base's aliases); an entry listed
// twice has the union of its functions (the inventory repeats a few names).
//
// Function names are lower-cased; "Skin Conditioning - Emollient" becomes "emollient" (the
// specific part, as the knowledge base writes it); "Not Reported" and empty cells give none.
// Curated knowledge-base ingredients keep their own (reviewed) functions; CosIng fills in
// the ingredients that have none and records the CAS number.

// FunctionsWriter commits a functions load in one transaction. cypher.Store implements it.
type FunctionsWriter interface {
	WriteFunctions(ctx context.Context, load graph.FunctionsLoad) (graph.FunctionsResult, error)
}

var cosingColumns = []string{"inci_name", "function"}

// readCosIng reads cosing.csv into one entry per normalised INCI key. Every bad row is
// reported in a *graph.ValidationError.
func readCosIng(r io.Reader, file string, norm *inci.Normalizer) ([]graph.IngredientFunctions, error) {
	verr := &graph.ValidationError{File: file}
	byKey := map[string]*graph.IngredientFunctions{}
	var order []string
	err := readCSV(r, verr, "CosIng", cosingColumns, func(line int, row csvRow) {
		name := cell(row, "inci_name")
		if name == "" {
			verr.Add(line, "inci_name", "required")
			return
		}
		key := norm.Key(name)
		if key == "" {
			verr.Add(line, "inci_name", fmt.Sprintf("%q is not an INCI name", name))
			return
		}
		e := byKey[key]
		if e == nil {
			e = &graph.IngredientFunctions{INCI: key}
			byKey[key] = e
			order = append(order, key)
		}
		if cas := cell(row, "cas_number"); cas != "" && cas != "-" && e.CAS == "" {
			e.CAS = cas
		}
		for _, f := range strings.Split(row.get("function"), ",") {
			if f = cosingFunction(f); f != "" && !contains(e.Functions, f) {
				e.Functions = append(e.Functions, f)
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("loader: %s: %w", file, err)
	}
	if err := verr.Err(); err != nil {
		return nil, err
	}
	out := make([]graph.IngredientFunctions, 0, len(order))
	for _, k := range order {
		e := byKey[k]
		sort.Strings(e.Functions)
		out = append(out, *e)
	}
	return out, nil
}

// cosingFunction is the function name as the graph keeps it.
func cosingFunction(f string) string {
	f = strings.ToLower(strings.TrimSpace(f))
	if _, specific, ok := strings.Cut(f, " - "); ok && specific != "miscellaneous" {
		f = strings.TrimSpace(specific)
	} else if ok {
		f, _, _ = strings.Cut(f, " - ")
	}
	if f == "not reported" {
		return ""
	}
	return f
}

// LoadCosIng reads cosing.csv and enriches the graph's ingredients with w, all or nothing.
func LoadCosIng(ctx context.Context, w FunctionsWriter, file string, now time.Time) (graph.FunctionsResult, error) {
	kb, err := readFile(datasets.FS, IngredientsFile, func(f fs.File) ([]graph.Ingredient, error) {
		return ReadIngredients(f, IngredientsFile)
	})
	if err != nil {
		return graph.FunctionsResult{}, err
	}
	var entries []graph.IngredientFunctions
	err = openFile(file, func(f *os.File) (err error) {
		entries, err = readCosIng(f, filepath.Base(file), inci.New(Aliases(kb)))
		return err
	})
	if err != nil {
		return graph.FunctionsResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return graph.FunctionsResult{}, err
	}
	res, err := w.WriteFunctions(ctx, graph.FunctionsLoad{
		ID: "cosing-" + now.UTC().Format("20060102T150405.000Z"), Source: "cosing: " + filepath.Base(file),
		At: now.UTC(), Entries: entries,
	})
	if err != nil {
		return graph.FunctionsResult{}, fmt.Errorf("loader: cosing: %w", err)
	}
	return res, nil
}

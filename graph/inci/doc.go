// Package inci reads cosmetic ingredient lists (INCI labels) and turns ingredient names into
// canonical keys, so that "Aqua (Water)", "Water/Aqua/Eau" and "WATER" are one node of the
// graph.
//
// # Keys
//
// Normalizer.Key maps one ingredient name to its key. Other packages store and join on keys,
// so the rules are part of the contract:
//
//   - The text is made valid UTF-8, NFKC-normalised, lower-cased and stripped of accents
//     ("Eau de rosé" -> "eau de rose"); typographic quotes and dashes become ASCII, Greek
//     letters are spelled out ("β-glucan" -> "beta-glucan"), whitespace is collapsed.
//   - Footnote and trademark signs are dropped ("Glycerin*", "Aloe Barbadensis Leaf Juice**"),
//     and so is punctuation at either end ("Tocopherol." -> "tocopherol").
//   - Bracketed parts are removed: "Butyrospermum Parkii (Shea) Butter" -> "butyrospermum
//     parkii butter", "CI 77891 (Titanium Dioxide)" -> "ci 77891"; square, curly and angle
//     brackets too ("Limonene <ILN40259>"). A bracket glued inside a chemical name keeps its
//     content ("Tetrahydro-Methyl-(Methylpropyl)-Pyran-4-Ol"). A name that is all brackets
//     keeps its content ("(Shea Butter)").
//   - Concentrations are removed and reported apart: "Niacinamide 10%", "Niacinamide (10%)",
//     "Zinc PCA 1 %" -> "niacinamide", "zinc pca".
//   - Hyphens, digits, commas and slashes inside names are kept: "peg-100 stearate",
//     "c12-15 alkyl benzoate", "1,2-hexanediol" ("1, 2-Hexanediol" is read as that too).
//   - Slashes are alternatives or part of one name; see slashKey for the heuristic.
//     "Water/Aqua/Eau" -> "water", "Parfum/Fragrance" -> "fragrance", but
//     "Acrylates/C10-30 Alkyl Acrylate Crosspolymer" and "Caprylic/Capric Triglyceride" stay
//     whole.
//   - Colour additives are written one way: "CI77491", "C.I. 77491" and a bare "77491" are
//     "ci 77491"; "FD&C Red No. 40" is "red 40"; "Titanium Dioxide CI 77891" is
//     "titanium dioxide". Colour index numbers are keys of their own, not aliases of the
//     pigment's name.
//   - Finally the alias table maps true synonyms to one key (aqua, eau -> water; parfum,
//     aroma -> fragrance; nicotinamide -> niacinamide; vitamin e -> tocopherol; shea butter
//     -> butyrospermum parkii butter; sd alcohol 40-b -> alcohol denat; ...). Related but
//     different substances keep their own keys (squalene and squalane, hyaluronic acid and
//     sodium hyaluronate).
//
// Key is idempotent: Key(Key(x)) == Key(x).
//
// # Lists
//
// Normalizer.Parse reads the ingredient text of a label into Lists of Entries:
//
//   - Items are separated by commas (not one between digits, as in "1,2-Hexanediol"),
//     semicolons, bullets, vertical bars and line breaks; separators inside brackets do not
//     count ("Aqua (Water, Eau)" is one item). Empty items are dropped, and a key already in a
//     list is not added again.
//   - Labels are skipped: "Ingredients:", "INGREDIENTS -", "Active Ingredients:", "Inactive
//     Ingredients:", "Other ingredients:", "Contains:". Active and inactive ingredients are one
//     list with one numbering.
//   - "May contain" sections: entries after "May Contain", "Peut Contenir", "+/-", "±", or
//     inside "[+/- ...]", are marked MayContain and continue the numbering. A bracket closes
//     its section; a new heading or label ends it too.
//   - Headings: a short text (at most 12 words and 100 bytes) ending with ':' that is not a
//     label starts a new list: "Cleanser: Water, ...", "-Mini Retinol Serum: ...". A heading
//     right after another one is joined to it ("Kit - Step 1").
//   - Notes and prose are dropped: see the rules next to isNote and isProse (footnotes such
//     as "*Certified Organic", disclaimers such as "Please be aware that ingredient lists may
//     change", sentences, lot codes).
//
// ParseSephora reads the Python-list strings of the Sephora data set, and ParsePythonList
// decodes such a literal.
//
// Parsing never fails and never panics: any string, valid UTF-8 or not, gives some lists or
// none, in time linear in its length.
package inci

// Package loader turns data files into graph loads: it reads the project's own formats (the
// ingredient knowledge base and catalogue/review JSON Lines, see datasets/README.md), validates
// every row against the domain vocabularies, names each bad row (line, field, reason), and hands
// a complete graph.Load to a Writer, which commits it all or nothing.
package loader

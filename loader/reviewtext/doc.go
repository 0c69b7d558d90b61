// Package reviewtext holds the review-text models: what a reviewer reports in free text.
// Effects reads the effects (improved, breakout, irritation, ...) and Concerns the skin
// concerns a reviewer states ("my acne", "dark spots"), both negation-aware phrase models
// whose every decision can be read off a table. The importers (package loader) call them;
// the eval's concern task reads the same concerns.
package reviewtext

package loader

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/skingraph/skingraph/graph"
)

// manifestFile is the name of a snapshot's manifest, written last: a folder without it is
// not a complete snapshot.
const manifestFile = "manifest.json"

// Manifest describes a snapshot folder (datasets/README.md, "Snapshots").
type Manifest struct {
	Format        string           `json:"format"` // always "skingraph-snapshot"
	FormatVersion int              `json:"format_version"`
	DataVersion   ManifestVersion  `json:"data_version"`
	CreatedAt     time.Time        `json:"created_at"`
	Files         []ManifestEntry  `json:"files"`
	Nodes         map[string]int64 `json:"nodes"`         // nodes by label when exported
	Relationships map[string]int64 `json:"relationships"` // relationships by type when exported
}

// ManifestVersion is the data version a snapshot was taken at.
type ManifestVersion struct {
	N  int64     `json:"n"`
	At time.Time `json:"at"`
}

// ManifestEntry is one file of a snapshot: its name, its number of records (lines), its size
// and the SHA-256 of its bytes.
type ManifestEntry struct {
	Name    string `json:"name"`
	Records int    `json:"records"`
	Bytes   int64  `json:"bytes"`
	SHA256  string `json:"sha256"`
}

const manifestFormat = "skingraph-snapshot"

// snapshotFiles are the files of a snapshot, in the order they are written and read.
var snapshotFiles = []string{
	"ingredients.jsonl", "products.jsonl", "reviewers.jsonl", "reviews.jsonl", "efficacy.jsonl",
	"profiles.jsonl", "events.jsonl", "sources.jsonl", "pseudonym_keys.jsonl", "rules.jsonl", "outcomes.jsonl",
}

// fileSince is the snapshot format that added a file (absent: format 1). A snapshot of an
// earlier format has no such file and restores without its records.
var fileSince = map[string]int{"rules.jsonl": 2}

// filesOf are the files a snapshot of format version has.
func filesOf(version int) []string {
	var out []string
	for _, f := range snapshotFiles {
		if fileSince[f] <= version {
			out = append(out, f)
		}
	}
	return out
}

// WriteSnapshot writes snap into dir, which must not exist or be empty: every file is written
// into a new folder beside dir, the manifest last, and the folder is renamed to dir once
// complete, so a failed export leaves no folder that looks like a snapshot.
func WriteSnapshot(dir string, snap graph.Snapshot, createdAt time.Time) (Manifest, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return Manifest{}, fmt.Errorf("loader: write snapshot: %s is not empty", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Manifest{}, fmt.Errorf("loader: write snapshot: %w", err)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Manifest{}, fmt.Errorf("loader: write snapshot: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".partial-")
	if err != nil {
		return Manifest{}, fmt.Errorf("loader: write snapshot: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	m := Manifest{
		Format: manifestFormat, FormatVersion: graph.SnapshotFormat, CreatedAt: createdAt.UTC(),
		DataVersion: ManifestVersion{N: snap.Version.N, At: snap.Version.At.UTC()},
		Nodes:       snap.NodeCounts, Relationships: snap.RelCounts,
	}
	records := snapshotRecords(snap)
	for _, name := range snapshotFiles {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		for _, rec := range records[name] {
			if err := enc.Encode(rec); err != nil {
				return Manifest{}, fmt.Errorf("loader: write snapshot: %s: %w", name, err)
			}
		}
		if err := os.WriteFile(filepath.Join(tmp, name), buf.Bytes(), 0o644); err != nil {
			return Manifest{}, fmt.Errorf("loader: write snapshot: %w", err)
		}
		sum := sha256.Sum256(buf.Bytes())
		m.Files = append(m.Files, ManifestEntry{Name: name, Records: len(records[name]), Bytes: int64(buf.Len()), SHA256: hex.EncodeToString(sum[:])})
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Manifest{}, fmt.Errorf("loader: write snapshot: manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, manifestFile), append(b, '\n'), 0o644); err != nil {
		return Manifest{}, fmt.Errorf("loader: write snapshot: %w", err)
	}
	os.Remove(dir) // an empty folder given by the caller
	if err := os.Rename(tmp, dir); err != nil {
		return Manifest{}, fmt.Errorf("loader: write snapshot: %w", err)
	}
	ok = true
	return m, nil
}

// ReadSnapshot reads a snapshot folder. It first checks the manifest (format, version, every
// file present with its SHA-256 and record count) and refuses the whole snapshot, naming the
// file, when anything differs; then it reads every file strictly (unknown fields, wrong types
// and unknown vocabulary terms are errors naming file, line and field) into a *ValidationError.
func ReadSnapshot(dir string) (graph.Snapshot, Manifest, error) {
	var m Manifest
	raw, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return graph.Snapshot{}, m, fmt.Errorf("loader: read snapshot: %w", err)
	}
	verr := &graph.ValidationError{File: manifestFile}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		verr.Add(0, jsonErrorField(err), jsonErrorMessage(err))
		return graph.Snapshot{}, m, verr
	}
	switch {
	case m.Format != manifestFormat:
		verr.Add(0, "format", fmt.Sprintf("want %q, got %q", manifestFormat, m.Format))
	case !slices.Contains(graph.SnapshotFormatsRead, m.FormatVersion):
		verr.Add(0, "format_version", fmt.Sprintf("this build reads snapshot formats %v, got %d", graph.SnapshotFormatsRead, m.FormatVersion))
	}
	if err := verr.Err(); err != nil {
		return graph.Snapshot{}, m, err
	}
	listed := map[string]ManifestEntry{}
	for _, f := range m.Files {
		listed[f.Name] = f
	}
	data := map[string][]byte{}
	for _, name := range filesOf(m.FormatVersion) {
		fverr := &graph.ValidationError{File: name}
		entry, ok := listed[name]
		if !ok {
			verr.Add(0, "files", fmt.Sprintf("%s is not listed", name))
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			fverr.Add(0, "", fmt.Sprintf("cannot read: %v", err))
		} else if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != entry.SHA256 {
			fverr.Add(0, "sha256", fmt.Sprintf("the file's SHA-256 is %s, the manifest says %s: the file was changed or damaged after export", hex.EncodeToString(sum[:]), entry.SHA256))
		}
		verr.Fields = append(verr.Fields, fverr.Fields...)
		data[name] = b
	}
	if err := verr.Err(); err != nil {
		return graph.Snapshot{}, m, err
	}
	snap := graph.Snapshot{
		Version:    graph.DataVersion{N: m.DataVersion.N, At: m.DataVersion.At.UTC()},
		NodeCounts: m.Nodes, RelCounts: m.Relationships,
	}
	all := &graph.ValidationError{}
	for _, name := range filesOf(m.FormatVersion) {
		fverr := &graph.ValidationError{File: name}
		n, err := readSnapshotFile(name, data[name], &snap, fverr)
		if err != nil {
			return graph.Snapshot{}, m, fmt.Errorf("loader: read snapshot: %s: %w", name, err)
		}
		if n != listed[name].Records && len(fverr.Fields) == 0 {
			fverr.Add(0, "", fmt.Sprintf("holds %d records, the manifest says %d", n, listed[name].Records))
		}
		all.Fields = append(all.Fields, fverr.Fields...)
	}
	if err := all.Err(); err != nil {
		return graph.Snapshot{}, m, err
	}
	return snap, m, nil
}

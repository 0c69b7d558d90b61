package loader

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/skingraph/skingraph/graph"
)

// openFile opens a file of the local file system for read; a missing file is graph.ErrNotFound.
func openFile(name string, read func(*os.File) error) error {
	f, err := os.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("loader: %s: %w", name, graph.ErrNotFound)
		}
		return fmt.Errorf("loader: open %s: %w", name, err)
	}
	defer f.Close()
	return read(f)
}

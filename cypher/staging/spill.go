package staging

import (
	"bufio"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/skingraph/skingraph/cypher/internal/rows"
)

// spillAfter is how many changed records (products or reviews stored with other content) a
// staged load holds in memory before it moves them to a temporary file: a reload where every
// record changed would otherwise hold all of them until the final transaction.
const spillAfter = 10_000

// spill keeps records for the final transaction of a staged load: the first limit in
// memory, then all of them in a temporary file (gob), read back a batch at a time.
type spill[T any] struct {
	limit int
	dir   string // where the file goes; "" is os.TempDir()

	held []T
	n    int // records added
	peak int // most records held in memory at once
	f    *os.File
	w    *bufio.Writer
	enc  *gob.Encoder
}

func newSpill[T any](limit int, dir string) *spill[T] {
	if limit <= 0 {
		limit = spillAfter
	}
	return &spill[T]{limit: limit, dir: dir}
}

// add keeps v.
func (s *spill[T]) add(v T) error {
	s.n++
	if s.f == nil && len(s.held) < s.limit {
		s.held = append(s.held, v)
		s.peak = max(s.peak, len(s.held))
		return nil
	}
	if s.f == nil {
		f, err := os.CreateTemp(s.dir, "skingraph-staged-*.gob")
		if err != nil {
			return fmt.Errorf("spill changed records: %w", err)
		}
		// Unlinked at once: the open file lives on until close, and nothing is left behind
		// when the process dies.
		if err := os.Remove(f.Name()); err != nil {
			return errors.Join(fmt.Errorf("spill changed records: %w", err), f.Close())
		}
		s.f, s.w = f, bufio.NewWriterSize(f, 1<<20)
		s.enc = gob.NewEncoder(s.w)
		held := s.held
		s.held = nil
		for i := range held {
			if err := s.enc.Encode(&held[i]); err != nil {
				return fmt.Errorf("spill changed records: %w", err)
			}
		}
	}
	if err := s.enc.Encode(&v); err != nil {
		return fmt.Errorf("spill changed records: %w", err)
	}
	return nil
}

// len is the number of records added.
func (s *spill[T]) len() int { return s.n }

// each hands the records, in the order they were added, to fn in batches of at most n.
func (s *spill[T]) each(n int, fn func([]T) error) error {
	if s.f == nil {
		for _, b := range rows.Chunks(s.held, n) {
			if err := fn(b); err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("spill changed records: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read back changed records: %w", err)
	}
	dec := gob.NewDecoder(bufio.NewReaderSize(s.f, 1<<20))
	batch := make([]T, 0, n)
	for read := 0; read < s.n; read++ {
		var v T
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("read back changed records (%d of %d): %w", read, s.n, err)
		}
		batch = append(batch, v)
		if len(batch) == n {
			if err := fn(batch); err != nil {
				return err
			}
			batch = make([]T, 0, n)
		}
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

// close drops the records (the file, if any, was unlinked when it was created).
func (s *spill[T]) close() {
	s.held = nil
	if s.f != nil {
		s.f.Close() // read-only use from here on: nothing to lose
		s.f, s.w, s.enc = nil, nil, nil
	}
}

package embedding

// pageRows is the number of rows of a matrix page: the unit that an Update copies before it
// writes, so that a small change copies a few pages and shares the rest with the embeddings
// it came from.
const pageRows = 256

// matrix is a rows × dim float32 matrix stored in pages of pageRows rows. Matrices made by
// Compute view one contiguous array; Update derives copy-on-write clones.
type matrix struct {
	dim   int
	rows  int
	pages [][]float32
	owned []bool // owned[p]: page p was allocated by this matrix (writable); else it is shared
}

// viewMatrix views data (rows × dim, row-major) as a matrix that owns its pages.
func viewMatrix(data []float32, rows, dim int) *matrix {
	m := &matrix{dim: dim, rows: rows}
	for lo := 0; lo < rows; lo += pageRows {
		hi := min(lo+pageRows, rows)
		m.pages = append(m.pages, data[lo*dim:hi*dim:hi*dim])
	}
	m.owned = make([]bool, len(m.pages))
	for p := range m.owned {
		m.owned[p] = true
	}
	return m
}

// row returns row r for reading.
func (m *matrix) row(r int) []float32 {
	pg, off := r/pageRows, (r%pageRows)*m.dim
	return m.pages[pg][off : off+m.dim : off+m.dim]
}

// cow returns a matrix with the same rows that shares every page with m; writing through it
// (mutRow) copies a page first, so m never changes.
func (m *matrix) cow() *matrix {
	return &matrix{dim: m.dim, rows: m.rows, pages: append([][]float32(nil), m.pages...), owned: make([]bool, len(m.pages))}
}

// remap returns a matrix of rows rows whose row r is m's row from[r], or zero where from[r] < 0.
func (m *matrix) remap(from []int32) *matrix {
	data := make([]float32, len(from)*m.dim)
	out := viewMatrix(data, len(from), m.dim)
	for r, o := range from {
		if o >= 0 {
			copy(out.row(r), m.row(int(o)))
		}
	}
	return out
}

// mutRow returns row r for writing, copying its page first when it is shared.
func (m *matrix) mutRow(r int) []float32 {
	pg := r / pageRows
	if !m.owned[pg] {
		m.pages[pg] = append([]float32(nil), m.pages[pg]...)
		m.owned[pg] = true
	}
	off := (r % pageRows) * m.dim
	return m.pages[pg][off : off+m.dim : off+m.dim]
}

// copiedPages counts the pages written since cow (for UpdateStats).
func (m *matrix) copiedPages() int {
	n := 0
	for _, o := range m.owned {
		if o {
			n++
		}
	}
	return n
}

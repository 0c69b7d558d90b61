package embedding

// pageRows is the number of rows of a matrix page: the unit that an Update copies before it
// writes, so that a small change copies a few pages and shares the rest with the embeddings
// it came from.
const pageRows = 256

// matrix is a rows × dim float32 matrix stored in pages of pageRows physical rows. Matrices
// made by Compute view one contiguous array, row r in physical row r; Update derives
// copy-on-write clones, and when rows come and go (dense ids shift) a clone maps each row to
// a physical row (slot) instead of moving the data: new rows get new physical rows at the
// end, and the physical rows of rows that went stay unused until the next Compute.
type matrix struct {
	dim   int
	rows  int
	nphys int     // physical rows in use
	slot  []int32 // physical row of each row; nil: row r is physical row r
	pages [][]float32
	owned []bool // owned[p]: page p was allocated by this matrix (writable); else it is shared
}

// viewMatrix views data (rows × dim, row-major) as a matrix that owns its pages.
func viewMatrix(data []float32, rows, dim int) *matrix {
	m := &matrix{dim: dim, rows: rows, nphys: rows}
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

// phys returns the physical row of row r.
func (m *matrix) phys(r int) int {
	if m.slot == nil {
		return r
	}
	return int(m.slot[r])
}

// row returns row r for reading.
func (m *matrix) row(r int) []float32 {
	p := m.phys(r)
	pg, off := p/pageRows, (p%pageRows)*m.dim
	return m.pages[pg][off : off+m.dim : off+m.dim]
}

// cow returns a matrix with the same rows that shares every page with m; writing through it
// (mutRow) copies a page first, so m never changes.
func (m *matrix) cow() *matrix {
	return &matrix{dim: m.dim, rows: m.rows, nphys: m.nphys, slot: m.slot,
		pages: append([][]float32(nil), m.pages...), owned: make([]bool, len(m.pages))}
}

// remap returns a copy-on-write clone of m with len(from) rows whose row r is m's row
// from[r], or a new zero row where from[r] < 0. No row is copied: the clone maps rows to
// m's physical rows, and new rows to physical rows after them.
func (m *matrix) remap(from []int32) *matrix {
	out := m.cow()
	out.rows, out.slot = len(from), make([]int32, len(from))
	for r, o := range from {
		if o >= 0 {
			out.slot[r] = int32(m.phys(int(o)))
		} else {
			out.slot[r] = int32(out.grow())
		}
	}
	return out
}

// grow returns a new physical row, zero, adding a page when the last one is full.
func (m *matrix) grow() int {
	p := m.nphys
	m.nphys++
	pg, end := p/pageRows, (p%pageRows+1)*m.dim
	switch {
	case pg == len(m.pages):
		m.pages, m.owned = append(m.pages, make([]float32, pageRows*m.dim)), append(m.owned, true)
	case len(m.pages[pg]) < end: // the last page is short (Compute's array ends there)
		full := make([]float32, pageRows*m.dim)
		copy(full, m.pages[pg])
		m.pages[pg], m.owned[pg] = full, true
	}
	return p
}

// mutRow returns row r for writing, copying its page first when it is shared.
func (m *matrix) mutRow(r int) []float32 {
	p := m.phys(r)
	pg := p / pageRows
	if !m.owned[pg] {
		m.pages[pg] = append([]float32(nil), m.pages[pg]...)
		m.owned[pg] = true
	}
	off := (p % pageRows) * m.dim
	return m.pages[pg][off : off+m.dim : off+m.dim]
}

// copiedPages counts the pages allocated since cow (for UpdateStats).
func (m *matrix) copiedPages() int {
	n := 0
	for _, o := range m.owned {
		if o {
			n++
		}
	}
	return n
}

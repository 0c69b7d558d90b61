package cypher

// SetSpill makes staged loads of s hold at most n changed records in memory and report, at
// commit, the most they held and how many there were.
func SetSpill(s *Store, n int, stats func(peakHeld, changed int)) {
	s.spillAfter, s.spillStats = n, stats
}

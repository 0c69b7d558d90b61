package eval

import "slices"

// keepTop inserts v into top, which is kept sorted best first by order (a total order:
// negative when a ranks before b) and at most k long: the baselines' and the feature cache's
// top-k, the same lists as sorting every candidate and cutting at k.
func keepTop[T any](top []T, v T, k int, order func(a, b T) int) []T {
	if k <= 0 || len(top) == k && order(v, top[k-1]) >= 0 {
		return top
	}
	i, _ := slices.BinarySearchFunc(top, v, order)
	top = slices.Insert(top, i, v)
	if len(top) > k {
		top = top[:k]
	}
	return top
}

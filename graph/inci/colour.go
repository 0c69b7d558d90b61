package inci

import "strings"

// colours normalises colour additives, which labels write in several systems, in a cleaned
// name s:
//
//   - colour index numbers: "ci77491", "c.i. 77491", the misprint "cl 77491" and a bare
//     five-digit "77491" become "ci 77491" (lake suffixes such as "ci 15850:1" are kept);
//   - a colour index number after another name is dropped, as when it is in brackets:
//     "titanium dioxide ci 77891" -> "titanium dioxide" (but "red 4/ci 14700" is left to the
//     slash rule);
//   - US certified colours lose their "fd&c"/"d&c"/"ext. d&c" prefix and number signs:
//     "fd&c red no. 40" -> "red 40", "d&c violet no. 2" -> "violet 2", "fd&c yellow n5" ->
//     "yellow 5", "blue no.1 lake" -> "blue 1 lake", "violet #2" -> "violet 2".
func colours(s string) string {
	for cut := true; cut; {
		cut = false
		for _, p := range []string{"fd&c ", "d&c ", "ext. d&c ", "ext d&c ", "ext. ", "ext "} {
			rest, ok := strings.CutPrefix(s, p)
			if w, _, _ := strings.Cut(rest, " "); ok && (colourWords[w] || !strings.HasPrefix(p, "ext")) {
				s, cut = rest, true
				break
			}
		}
	}
	for {
		if ci, ok := colourIndex(s); ok {
			return ci
		}
		rest, ok := cutColourIndex(s)
		if !ok {
			break
		}
		s = rest
	}
	if w, _, ok := strings.Cut(s, " "); ok && colourWords[w] {
		s = dropNumberSigns(s)
	}
	return s
}

// dropNumberSigns removes the number signs from a certified colour's name: "red no. 40",
// "red no.40", "red n° 40", "red n5", "red #40" -> "red 40".
func dropNumberSigns(s string) string {
	words := strings.Fields(s)
	out := words[:0]
	for _, w := range words {
		switch w {
		case "no.", "no", "n°", "#", "nr.", "nr":
			continue
		}
		for _, sign := range []string{"no.", "n°", "#", "n"} {
			if rest, ok := strings.CutPrefix(w, sign); ok && rest != "" && isDigit(rest[0]) {
				w = rest
				break
			}
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// cutColourIndex removes a colour index number from the end of s when something is left
// before it: "titanium dioxide ci 77891", "iron oxides ci77491".
func cutColourIndex(s string) (string, bool) {
	i := strings.LastIndex(s, " ")
	if i <= 0 {
		return s, false
	}
	j := strings.LastIndex(s[:i], " ")
	if _, ok := colourIndex(s[j+1:]); !ok {
		if _, ok := colourIndex(s[i+1:]); !ok || s[i+1] != 'c' {
			return s, false
		}
		j = i // "... ci77491" as one word
	}
	rest := trimEnds(s[:j+1])
	return rest, rest != ""
}

// colourWords start the names of US certified colours ("red 40", "yellow 5 lake").
var colourWords = map[string]bool{
	"red": true, "yellow": true, "blue": true, "green": true, "orange": true, "violet": true,
	"black": true, "brown": true,
}

// colourIndex reports whether s is a colour index number in one of its spellings ("ci 77491",
// "ci77491", "c.i. 77491", "77491", "ci 15850:1") and returns it as "ci 77491".
func colourIndex(s string) (string, bool) {
	if len(s) > len("c.i. 12345:1") {
		return "", false
	}
	num := s
	for _, p := range []string{"c.i. ", "c.i.", "ci ", "ci", "cl "} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			num = rest
			break
		}
	}
	digits := num
	suffix := ""
	if k := strings.IndexByte(num, ':'); k >= 0 {
		digits, suffix = num[:k], num[k:]
		if len(suffix) != 2 || !isDigit(suffix[1]) {
			return "", false
		}
	}
	if len(digits) != 5 {
		return "", false
	}
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return "", false
		}
	}
	return "ci " + digits + suffix, true
}

// digitCommaSpace removes the space in "1, 2-hexanediol", a common misprint of
// "1,2-hexanediol": a comma and a space between two digits.
func digitCommaSpace(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' && i >= 2 && s[i-1] == ',' && isDigit(s[i-2]) && i+1 < len(s) && isDigit(s[i+1]) {
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

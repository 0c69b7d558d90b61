package inci

import (
	"strings"
	"unicode"
)

// clean folds one ingredient name and removes what is not part of its identity: bracketed
// parts, concentrations, leading and trailing punctuation, spaces around slashes; it also
// writes colour additives one way (see colours). It returns the cleaned text and the
// concentration found, if any ("10%"). It does not apply slash alternatives or aliases, and
// clean(clean(x)) == clean(x).
func clean(name string) (s, conc string) {
	s = fold(name)
	s, conc = stripBrackets(s)
	// Each step can expose work for another ("fd&c 5% red": the prefix hides a colour, the
	// colour a concentration), so they run until nothing changes, a bounded number of rounds.
	for range 8 {
		prev := s
		s = strings.TrimLeftFunc(s, notAlnum)
		s = strings.TrimRightFunc(s, func(r rune) bool { return r != '%' && notAlnum(r) })
		s2, c := stripConcentration(s)
		if conc == "" {
			conc = c
		}
		s = trimEnds(s2)
		if strings.Contains(s, "/") {
			s = strings.ReplaceAll(strings.ReplaceAll(s, " /", "/"), "/ ", "/")
		}
		if strings.Contains(s, ", ") {
			s = digitCommaSpace(s)
		}
		s = colours(s)
		if !isASCII(s) {
			// Removing text can leave characters that compose differently.
			s = trimEnds(fold(s))
		}
		if s == prev {
			break
		}
	}
	return s, conc
}

// closer maps an opening bracket to its closing one.
var closer = map[byte]byte{'(': ')', '[': ']', '{': '}', '<': '>'}

// stripBrackets removes bracketed groups from s, which is folded. A group is removed with its
// content ("butyrospermum parkii (shea) butter" -> "butyrospermum parkii  butter") unless it is
// glued to the name on both sides, as in "tetrahydro-methyl-(methylpropyl)-pyran-4-ol": then
// only the brackets go. A group holding a concentration ("(10%)") yields it as conc. Unmatched
// brackets are dropped. When nothing but bracketed text is left ("(shea butter)"), the
// brackets alone are dropped and their content kept.
func stripBrackets(s string) (string, string) {
	if !strings.ContainsAny(s, "()[]{}<>") {
		return s, ""
	}
	// match[i] is the index of the bracket matching the one at i, or -1.
	match := make([]int, len(s))
	var stack []int
	for i := 0; i < len(s); i++ {
		match[i] = -1
		switch c := s[i]; c {
		case '(', '[', '{', '<':
			stack = append(stack, i)
		case ')', ']', '}', '>':
			if k := len(stack) - 1; k >= 0 && closer[s[stack[k]]] == c {
				match[stack[k]], match[i] = i, stack[k]
				stack = stack[:k]
			}
		}
	}
	var b strings.Builder
	conc := ""
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isBracket(c) {
			b.WriteByte(c)
			continue
		}
		j := match[i]
		if j < i { // unmatched, or the closing half of a group kept inline
			continue
		}
		content := s[i+1 : j]
		if c2, ok := concentration(strings.TrimSpace(content)); ok {
			if conc == "" {
				conc = c2
			}
		} else if glued(s, i, j) {
			continue // keep the content, drop the brackets
		}
		b.WriteByte(' ')
		i = j
	}
	out := collapseSpace(b.String())
	if trimEnds(out) == "" {
		out = collapseSpace(strings.Map(func(r rune) rune {
			if r < 0x80 && isBracket(byte(r)) {
				return ' '
			}
			return r
		}, s))
	}
	return out, conc
}

// glued reports whether the group s[i..j] sits inside a word: it holds no space and has a
// hyphen right before the opening bracket, or no space before it and a letter, digit or hyphen
// right after the closing one.
func glued(s string, i, j int) bool {
	if i == 0 || s[i-1] == ' ' {
		return false
	}
	if strings.IndexByte(s[i:j], ' ') >= 0 {
		return false // "-(lily of the valley note)": a comment, not a chemical name part
	}
	if s[i-1] == '-' {
		return true // "1-(2,2,6-trimethylcyclohexyl)", "methyl-(methylpropyl)-pyran"
	}
	if j+1 >= len(s) {
		return false
	}
	c := s[j+1]
	return c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z'
}

func isBracket(c byte) bool { return strings.IndexByte("()[]{}<>", c) >= 0 }

// stripConcentration removes percentages written as one word ("10%", "0,5%") or two ("1 %")
// from s, which is folded and space-collapsed, and returns the first one normalised ("1%",
// "0.5%").
func stripConcentration(s string) (string, string) {
	if !strings.Contains(s, "%") {
		return s, ""
	}
	var out []string
	conc := ""
	for _, w := range strings.Split(s, " ") {
		c, ok := concentration(w)
		if !ok && w == "%" && len(out) > 0 {
			c, ok = concentration(out[len(out)-1] + "%")
			if ok {
				out = out[:len(out)-1]
			}
		}
		if ok {
			if conc == "" {
				conc = c
			}
			continue
		}
		if conc != "" && (w == "w/w" || w == "w/v" || w == "v/v") {
			continue // "minoxidil 5% w/w"
		}
		out = append(out, w)
	}
	return strings.Join(out, " "), conc
}

// concentration reports whether w is a percentage such as "10%", "0.3 %" or "0,5%", and returns
// it without spaces and with a decimal point.
func concentration(w string) (string, bool) {
	w = strings.TrimLeftFunc(w, notAlnum) // "!10%", "~5%"
	num, ok := strings.CutSuffix(w, "%")
	num = strings.TrimSpace(num)
	if !ok || num == "" {
		return "", false
	}
	dot := false
	for i := 0; i < len(num); i++ {
		switch c := num[i]; {
		case c >= '0' && c <= '9':
		case (c == '.' || c == ',') && !dot && i > 0 && i < len(num)-1:
			dot = true
		default:
			return "", false
		}
	}
	return strings.Replace(num, ",", ".", 1) + "%", true
}

// trimEnds removes everything but letters and digits from both ends of s.
func trimEnds(s string) string { return strings.TrimFunc(s, notAlnum) }

func notAlnum(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

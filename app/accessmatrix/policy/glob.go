package policy

import "strings"

// Glob reports whether s matches pattern, where "*" matches any run of
// characters and "?" any one character, as in IAM's Action, Resource and
// StringLike. fold makes the comparison case-insensitive (actions are).
func Glob(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	return covers(pattern, s, false)
}

// covers reports whether every string described by q matches pattern p.
// When wild is true, "*" and "?" in q are themselves wildcards (q describes
// a set, such as "bucket/*" for "any object"): a "*" in q can only be
// covered by a "*" in p, a "?" in q by "?" or "*". The classic iterative
// glob algorithm with one backtrack point suffices because p's "*" is the
// only thing that backtracks.
func covers(p, q string, wild bool) bool {
	pi, qi := 0, 0
	starP, starQ := -1, 0
	for qi < len(q) {
		qc := q[qi]
		qStar := wild && qc == '*'
		qAny := wild && qc == '?'
		switch {
		case pi < len(p) && p[pi] == '*':
			starP, starQ = pi, qi
			pi++
			continue
		case pi < len(p) && !qStar && (p[pi] == '?' || (!qAny && p[pi] == qc)):
			pi++
			qi++
			continue
		}
		if starP >= 0 {
			starQ++
			pi, qi = starP+1, starQ
			continue
		}
		return false
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// intersects reports whether some string matches both p and q, each of
// which may contain "*" and "?". An Allow statement applies to "any
// object" if its Resource pattern shares at least one key with it.
func intersects(p, q string) bool {
	type state struct{ i, j int }
	seen := map[state]bool{}
	var rec func(i, j int) bool
	rec = func(i, j int) bool {
		if i == len(p) && j == len(q) {
			return true
		}
		st := state{i, j}
		if seen[st] {
			return false
		}
		seen[st] = true
		if i < len(p) && p[i] == '*' {
			if rec(i+1, j) || (j < len(q) && rec(i, j+1)) {
				return true
			}
		}
		if j < len(q) && q[j] == '*' {
			if rec(i, j+1) || (i < len(p) && rec(i+1, j)) {
				return true
			}
		}
		if i < len(p) && j < len(q) && p[i] != '*' && q[j] != '*' {
			if p[i] == '?' || q[j] == '?' || p[i] == q[j] {
				return rec(i+1, j+1)
			}
		}
		return false
	}
	return rec(0, 0)
}

// ArnLike matches an ARN against a pattern component by component, as the
// Arn condition operators do: "Each of the six colon-delimited components
// of the ARN is checked separately" (IAM condition operators reference), so
// a "*" never spans a colon. Symbols such as ${AWS::AccountId} contain
// colons and are kept whole.
func ArnLike(pattern, arn string) bool {
	pp := SplitARN(pattern)
	ap := SplitARN(arn)
	if len(pp) != len(ap) {
		// Not an ARN on both sides: compare as plain text.
		return len(pp) < 6 && len(ap) < 6 && Glob(pattern, arn, false)
	}
	for i := range pp {
		if !Glob(pp[i], ap[i], false) {
			return false
		}
	}
	return true
}

// SplitARN splits an ARN into at most six components at the colons outside
// symbols (${...}), which may hold colons themselves.
func SplitARN(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s) && len(parts) < 5; i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
			i++
		case s[i] == '}' && depth > 0:
			depth--
		case s[i] == ':' && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

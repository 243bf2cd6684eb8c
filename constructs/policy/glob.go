package policy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Patterns and values may hold symbols, "${Name}": values unknown offline
// (an account id, a physical name CloudFormation generates, a parameter
// without a default, an imported value, a policy variable such as
// ${aws:username}). A symbol stands for one fixed but unknown string, the
// same wherever the same symbol appears. Matching is three-valued:
//
//   - Yes: the pattern matches whatever the symbols hold. A symbol is
//     matched by the same symbol or by "*", never by "?" (its length is
//     unknown), and never by a literal.
//   - No: it matches for no value of the symbols. Every symbol is read as
//     "*" (a parameter used as a pattern may even hold wildcards), and
//     still no string fits both sides.
//   - Maybe: anything else.
//
// The wildcards are those of "IAM JSON policy elements: Resource" (IAM
// User Guide): "An asterisk (*) represents any combination of characters
// and a question mark (?) represents any single character."

type elemKind uint8

const (
	lit  elemKind = iota
	star          // "*": any run of characters
	one           // "?": any one character
	sym           // a symbol: one unknown string
)

type elem struct {
	kind elemKind
	r    rune   // the character of a lit
	name string // the symbol, "${Name}", of a sym
}

// compile splits s into elements. wild makes "*" and "?" wildcards (in
// patterns, and in "bucket/*" standing for every key); otherwise they are
// plain characters. fold lower-cases the literal characters, for the
// case-insensitive comparisons.
func compile(s string, wild, fold bool) []elem {
	out := make([]elem, 0, len(s))
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "${") {
			if j := symbolEnd(s, i); j > 0 {
				out = append(out, elem{kind: sym, name: s[i:j]})
				i = j
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case wild && r == '*':
			out = append(out, elem{kind: star})
		case wild && r == '?':
			out = append(out, elem{kind: one})
		default:
			if fold {
				r = unicode.ToLower(r)
			}
			out = append(out, elem{kind: lit, r: r})
		}
	}
	return out
}

// symbolEnd returns the index just after the "}" that closes the symbol
// starting at i, counting nested symbols (an import whose name is built
// from ${AWS::StackName}), or -1 when it is never closed.
func symbolEnd(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch {
		case strings.HasPrefix(s[j:], "${"):
			depth++
			j++
		case s[j] == '}':
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	return -1
}

func hasSymbol(s string) bool { return strings.Contains(s, "${") }

// covers reports whether every string q stands for, whatever its symbols
// hold, matches p. A "*" in q (every key) is covered only by a "*" in p.
// Each element of p other than "*" consumes exactly one element of q, so
// the classic greedy glob with one backtrack point (the last "*" of p)
// suffices.
func covers(p, q []elem) bool {
	pi, qi := 0, 0
	starP, starQ := -1, 0
	for qi < len(q) {
		if pi < len(p) && p[pi].kind == star {
			starP, starQ = pi, qi
			pi++
			continue
		}
		if pi < len(p) && stepCovers(p[pi], q[qi]) {
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
	for pi < len(p) && p[pi].kind == star {
		pi++
	}
	return pi == len(p)
}

// stepCovers: p's element (not "*") matches everything q's element stands
// for.
func stepCovers(p, q elem) bool {
	switch q.kind {
	case star:
		return false
	case one:
		return p.kind == one
	case sym:
		return p.kind == sym && p.name == q.name
	}
	return p.kind == one || (p.kind == lit && p.r == q.r)
}

// symClass narrows what a pseudo parameter can hold, so that an account id
// is never taken to contain a colon or a letter: "Your AWS account ID is a
// 12-digit number" (AWS Account Management guide, "View AWS account
// identifiers"). Other symbols may hold anything, wildcards included.
func symClass(name string) func(rune) bool {
	// A template's own account or region, ${label#AWS::AccountId} when
	// several templates are read together, has the same characters.
	if i := strings.LastIndex(name, "#AWS::"); i >= 0 && strings.HasPrefix(name, "${") {
		name = "${" + name[i+1:]
	}
	switch name {
	case "${AWS::AccountId}":
		return func(r rune) bool { return '0' <= r && r <= '9' }
	case "${AWS::Region}":
		return func(r rune) bool { return ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || r == '-' }
	case "${AWS::Partition}":
		return func(r rune) bool { return ('a' <= r && r <= 'z') || r == '-' }
	}
	return nil
}

// mayHoldWildcards reports whether some symbol of s may hold "*" or "?":
// one without a class (see symClass).
func mayHoldWildcards(s string) bool {
	if !hasSymbol(s) {
		return false
	}
	for _, e := range compile(s, false, false) {
		if e.kind == sym && symClass(e.name) == nil {
			return true
		}
	}
	return false
}

func starLike(e elem) bool { return e.kind == star || e.kind == sym }

// absorbs reports whether the star-like element s can take in the element
// e of the other side. A classed symbol takes only its characters; meeting
// another run it may (an over-approximation, which only makes No rarer).
func absorbs(s, e elem) bool {
	if s.kind == star {
		return true
	}
	class := symClass(s.name)
	if class == nil || e.kind != lit {
		return true
	}
	return class(e.r)
}

// overlaps reports whether some string fits both p and q when every symbol
// is read as a run of the characters it may hold. When it is false no
// value of the symbols makes p match q: the answer is a certain No.
func overlaps(p, q []elem) bool {
	if (len(p)+1)*(len(q)+1) > 1<<20 {
		return true // too long to search: "may", which is always sound
	}
	w := len(q) + 1
	failed := make([]bool, (len(p)+1)*w)
	var rec func(i, j int) bool
	rec = func(i, j int) bool {
		if i == len(p) && j == len(q) {
			return true
		}
		if failed[i*w+j] {
			return false
		}
		ok := false
		switch {
		case i < len(p) && starLike(p[i]) && (rec(i+1, j) || (j < len(q) && absorbs(p[i], q[j]) && rec(i, j+1))):
			ok = true
		case j < len(q) && starLike(q[j]) && (rec(i, j+1) || (i < len(p) && absorbs(q[j], p[i]) && rec(i+1, j))):
			ok = true
		case i < len(p) && j < len(q) && !starLike(p[i]) && !starLike(q[j]) &&
			(p[i].kind == one || q[j].kind == one || p[i].r == q[j].r):
			ok = rec(i+1, j+1)
		}
		if !ok {
			failed[i*w+j] = true
		}
		return ok
	}
	return rec(0, 0)
}

// matchElems is the three-valued match of compiled sides.
func (d *distinct) matchElems(p, q []elem) Truth {
	switch {
	case covers(p, q):
		return Yes
	case d.apart(p, q) || !mayOverlap(p, q):
		return No
	}
	return Maybe
}

// mayOverlap is overlaps after dropping what both sides start and end
// with, character for character and symbol for symbol: the same symbol is
// the same string on both sides, so arn:aws:s3:::${B}/* can never match
// arn:aws:s3:::${B}, while overlaps alone, reading each ${B} as "*", would
// say it may. This needs the symbols of q to hold no wildcard characters,
// which is so for the values of a request: the names and ids of real
// buckets, roles, accounts and endpoints.
func mayOverlap(p, q []elem) bool {
	for len(p) > 0 && len(q) > 0 && sameElem(p[0], q[0]) {
		p, q = p[1:], q[1:]
	}
	for len(p) > 0 && len(q) > 0 && sameElem(p[len(p)-1], q[len(q)-1]) {
		p, q = p[:len(p)-1], q[:len(q)-1]
	}
	return overlaps(p, q)
}

// glob matches a pattern against a value that has no wildcards of its
// own (an action, a concrete ARN, a condition value). fold ignores case.
func (d *distinct) glob(pattern, value string, fold bool) Truth {
	if !hasSymbol(pattern) && !hasSymbol(value) {
		// Most comparisons: plain text, decided without compiling.
		if fold {
			if m, ok := globTextFold(pattern, value); ok {
				return truthOf(m)
			}
			pattern, value = strings.ToLower(pattern), strings.ToLower(value)
		}
		return truthOf(globText(pattern, value))
	}
	return d.matchElems(compile(pattern, true, fold), compile(value, false, fold))
}

// globText is the classic glob on plain text: "*" any run, "?" any one
// byte-or-rune.
func globText(p, s string) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) && p[pi] == '*' {
			starP, starS = pi, si
			pi++
			continue
		}
		if pi < len(p) && (p[pi] == '?' || p[pi] == s[si]) {
			_, size := utf8.DecodeRuneInString(s[si:])
			if p[pi] == '?' {
				si += size
			} else {
				si++
			}
			pi++
			continue
		}
		if starP >= 0 {
			starS++
			pi, si = starP+1, starS
			continue
		}
		return false
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// globTextFold is globText ignoring ASCII case (action names), without
// lower-casing copies. ok is false when it meets a byte that is not ASCII,
// for which the caller lower-cases and retries.
func globTextFold(p, s string) (match, ok bool) {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if s[si] >= 0x80 || (pi < len(p) && p[pi] >= 0x80) {
			return false, false
		}
		if pi < len(p) && p[pi] == '*' {
			starP, starS = pi, si
			pi++
			continue
		}
		if pi < len(p) && (p[pi] == '?' || lowerASCII(p[pi]) == lowerASCII(s[si])) {
			pi++
			si++
			continue
		}
		if starP >= 0 {
			starS++
			pi, si = starP+1, starS
			continue
		}
		return false, true
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p), true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equal compares two values that have no wildcards: StringEquals and
// its kin. The same text, symbols included, is equal; different text
// without symbols is not; the rest may be.
func (d *distinct) equal(a, b string, fold bool) Truth {
	if a == b || (fold && strings.EqualFold(a, b)) {
		return Yes
	}
	if !hasSymbol(a) && !hasSymbol(b) {
		return No
	}
	return d.matchElems(compile(a, false, fold), compile(b, false, fold))
}

// Equal compares two values, symbols included, in three values: the same
// text is equal, different text without symbols is not, and the rest may
// be (a bucket policy's Bucket against a bucket's generated name).
func Equal(a, b string) Truth { return (*distinct)(nil).equal(a, b, false) }

// arn matches an ARN against a pattern component by component, as the
// Arn condition operators do: "Each of the six colon-delimited components
// of the ARN is checked separately and each can include multi-character
// match wildcards (*) or single-character match wildcards (?)" (IAM User
// Guide, "IAM JSON policy elements: Condition operators", ARN condition
// operators), so a "*" never spans a colon. A symbol inside a six-part ARN
// is one component's value (an account id, a role name) and holds no
// colon; a symbol that stands for a whole ARN (an imported role ARN)
// leaves fewer parts, and is compared as text that may hold colons.
func (d *distinct) arn(pattern, arn string) Truth {
	if pattern == arn {
		// The same text is the same ARN whatever its symbols hold (a role
		// ARN known only at deploy, on both sides), and a pattern matches
		// its own text: "*" and "?" match themselves too.
		return Yes
	}
	pp, ap := SplitARN(pattern), SplitARN(arn)
	if len(pp) == 6 && len(ap) == 6 {
		t := Yes
		for i := range pp {
			if t = and(t, d.glob(pp[i], ap[i], false)); t == No {
				return No
			}
		}
		return t
	}
	if !hasSymbol(pattern) && !hasSymbol(arn) {
		// Not an ARN on both sides: text matches only text.
		return truthOf(len(pp) < 6 && len(ap) < 6 && covers(compile(pattern, true, false), compile(arn, false, false)))
	}
	// A "*" there may not span the colons it would have to: at best Maybe.
	return min(Maybe, d.matchElems(compile(pattern, true, false), compile(arn, false, false)))
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

// symbols lists the distinct symbols of the strings, in order of
// appearance, for reasons that name what could not be known.
func symbols(ss ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		for _, e := range compile(s, false, false) {
			if e.kind == sym && !seen[e.name] {
				seen[e.name] = true
				out = append(out, e.name)
			}
		}
	}
	return out
}

// otherBucket reports whether pattern and arn are S3 ARNs of two different
// buckets of one group of d (Input.Distinct: bucket names are globally
// unique), so that the pattern never matches. A bucket name holds no "/",
// ":" or wildcard ("Bucket names can consist only of lowercase letters,
// numbers, periods (.), and hyphens (-)", S3 User Guide, "General purpose
// bucket naming rules"). Both sides must have exactly six components, so
// that each side's bucket is the text of the sixth up to the first "/":
// the pattern's, with no wildcard, must then equal the request's. Unlike
// apart, this holds whatever wildcards the pattern has in its other
// components (arn:*:s3:::${Data}).
func otherBucket(pattern, arn string, d *distinct) bool {
	pb, ok := s3Bucket(pattern)
	if !ok {
		return false
	}
	ab, ok := s3Bucket(arn)
	return ok && d.sameGroup(pb, ab)
}

// s3Bucket returns the bucket of arn:PARTITION:s3:::BUCKET[/KEY].
func s3Bucket(arn string) (string, bool) {
	parts := SplitARN(arn)
	if len(parts) != 6 || parts[2] != "s3" || parts[3] != "" || parts[4] != "" || strings.Contains(parts[5], ":") {
		return "", false
	}
	b, _, _ := strings.Cut(parts[5], "/")
	return b, b != ""
}

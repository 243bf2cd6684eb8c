package policy

// Truth is a three-valued answer, the way AWS's reasoning tools (Zelkova,
// behind IAM Access Analyzer) answer: a statement, a comparison or a
// condition holds whatever the unknown values turn out to be (Yes), holds
// for none of them (No), or may hold (Maybe). The evaluator claims a
// decision only from Yes and No; Maybe makes the decision unknown.
type Truth int8

// The order matters: and is the minimum, or the maximum.
const (
	No Truth = iota
	Maybe
	Yes
)

func (t Truth) String() string {
	return [...]string{"no", "maybe", "yes"}[t]
}

func truthOf(b bool) Truth {
	if b {
		return Yes
	}
	return No
}

func and(a, b Truth) Truth { return min(a, b) }
func or(a, b Truth) Truth  { return max(a, b) }
func not(a Truth) Truth    { return Yes - a }

// judgement is a Truth with, when it is Maybe, what could not be known, in
// words for the row's reason.
type judgement struct {
	t   Truth
	why string
}

// andJ combines two parts of one statement: a No decides, and the first
// Maybe's reason is kept.
func andJ(a, b judgement) judgement {
	switch {
	case a.t == No:
		return a
	case b.t == No:
		return b
	case a.t == Maybe:
		return a
	}
	return b
}

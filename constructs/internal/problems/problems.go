// Package problems collects what is wrong with a construct's props, so that
// the construct refuses them in one panic that lists every problem, one
// sentence a line, as AWS Solutions Constructs do (core/lib/
// input-validation.ts): a user fixes them all in one round, not one per
// synth. Invalid props are the one place a construct panics (jsii treats
// them as fatal, as CDK's own constructs do).
package problems

import "strings"

// List is the problems of one construct's props.
type List struct {
	construct string
	lines     []string
}

// New starts the list of construct (its type, such as "PrivateBucket"),
// which names it on every line.
func New(construct string) *List { return &List{construct: construct} }

// Add records one problem: a sentence naming the prop, what is wrong and
// the fix.
func (l *List) Add(sentence string) { l.lines = append(l.lines, l.construct+": "+sentence) }

// Panic refuses the props when there is any problem.
func (l *List) Panic() {
	if len(l.lines) > 0 {
		panic(strings.Join(l.lines, "\n"))
	}
}

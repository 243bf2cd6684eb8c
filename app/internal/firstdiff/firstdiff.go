// Package firstdiff finds the first line where two texts differ, for the
// tests that compare a committed generated file with what its generator
// yields now: one line says more than a whole diff of a large table.
package firstdiff

import (
	"bytes"
	"strings"
)

// Lines returns the 1-based number of the first line where got and want
// differ, with each side's line there ("(end of file)" past its end); ok
// is false when they are equal.
func Lines(got, want []byte) (n int, gotLine, wantLine string, ok bool) {
	if bytes.Equal(got, want) {
		return 0, "", "", false
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		if gl, wl := line(g, i), line(w, i); gl != wl {
			return i + 1, gl, wl, true
		}
	}
	// Equal lines, unequal bytes cannot happen: Split is lossless.
	return 0, "", "", false
}

func line(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(end of file)"
}

package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
)

// writeNotModelled lists, template by template, what a transform left out
// (SAM resource types, event sources, other transforms), so that a matrix
// read from a SAM template never looks more complete than it is.
func writeNotModelled(w io.Writer, templates []*cfn.Template) error {
	var b strings.Builder
	for _, t := range templates {
		if len(t.Notes) == 0 {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("\nNOT MODELLED\n")
		}
		fmt.Fprintf(&b, "  %s:\n", filepath.Base(t.Name))
		for _, n := range t.Notes {
			fmt.Fprintf(&b, "    - %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

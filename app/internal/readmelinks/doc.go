// Package readmelinks checks the project's Markdown documentation the way a
// reader meets it: every relative link and #anchor must lead somewhere, and
// README.md stays a landing page from which every other document is one
// link away. It exists because the docs were split beside the code they
// describe, and a link that silently breaks hides a whole page.
//
// The package has no code outside its test: it is run by go test ./... like
// any other check.
package readmelinks

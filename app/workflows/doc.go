// Package workflows holds no code: its tests check the GitHub Actions
// workflows in .github/workflows, with actionlint (through its Go API, so
// `go test ./...` needs no extra tool) and with this project's own rules
// for workflows: every action pinned by full commit SHA with the release in
// a comment, read-only permissions, no secrets.
package workflows

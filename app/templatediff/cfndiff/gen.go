//go:build ignore

// gen.go rewrites createonly.go from the resource provider schemas of the
// installed cfn-lint (pip install cfn-lint==1.51.0 first):
// go generate ./app/templatediff/cfndiff. -region picks another region's
// schemas, to compare.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/privates3/privates3/app/templatediff/cfndiff/internal/gen"
)

func main() {
	region := flag.String("region", gen.Region, "the region whose schemas to read")
	out := flag.String("o", "createonly.go", "the file to write")
	flag.Parse()
	if err := run(*region, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(region, out string) error {
	s, err := gen.Read(region)
	if err != nil {
		return err
	}
	if s.Version != gen.Version {
		return fmt.Errorf("cfn-lint %s is installed, gen.Version says %s: install that one, or change gen.Version and review the table's diff", s.Version, gen.Version)
	}
	src, err := gen.Generate(s)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}

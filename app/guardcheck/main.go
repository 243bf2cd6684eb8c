// Command guardcheck runs the project's CloudFormation Guard checks (see
// package guard) over synthesized templates and prints a Markdown summary:
// the verdict, every failure with its fix, the exemptions applied.
//
// Usage:
//
//	go run ./app/guardcheck [flags] [TEMPLATE.json ...]
//
// With no template arguments it reads the templates of cdk.out's manifest:
// the stages' alone when there are stages (an environments file's; the
// pipeline's own stack beside them is cdk-nag's). Run
// `npm ci` first: cfn-guard and the Control Tower rules come from
// node_modules.
//
// Exit status: 0 when every finding is exempted and no exemption is stale,
// 1 when not, 2 on bad input or usage. An exemption that covers nothing
// is stale unless it names the settings that take its finding away
// (unusedWhen in the exemptions file, see guard.Exemption): a synth with
// kms=true or includeControl=false passes.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/privates3/privates3/app/guard"
	"github.com/privates3/privates3/app/internal/cdkout"
	"github.com/privates3/privates3/app/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlagSet("guardcheck", "guardcheck [flags] [TEMPLATE.json ...]  (default: the stacks of cdk.out, its stages alone when it has stages)", stderr)
	exemptions := fs.String("exemptions", "", "exemptions file (default: app/guard/exemptions.json in the project)")
	allowUnused := fs.Bool("allow-unused", false, "do not fail on stale exemptions (those that cover nothing and name no setting that explains it, unusedWhen): for templates the exemptions file was not written for")
	if code, ok := cli.Parse(fs, args); !ok {
		return code
	}
	files, err := cdkout.Templates(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "guardcheck: %v\n", err)
		return 2
	}
	if len(fs.Args()) == 0 {
		files = stagesIfAny(files)
	}
	report, err := guard.Check(guard.Options{Exemptions: *exemptions}, files...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if err := report.WriteMarkdown(stdout, *allowUnused); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if len(report.Failures()) > 0 || (!*allowUnused && len(report.Unused) > 0) {
		return 1
	}
	return 0
}

// stagesIfAny keeps, of cdk.out's templates, those of the stages (nested
// assemblies, cdk.out/assembly-*/) when there are any: beside an
// environments file's stages the root assembly holds only the pipeline's
// own stack, which these rules (about the private bucket) do not describe
// and cdk-nag checks; the pipeline's synth step checks the stages alone
// too (pipeline.SynthCommands).
func stagesIfAny(files []string) []string {
	var stages []string
	for _, f := range files {
		if filepath.Dir(f) != "cdk.out" {
			stages = append(stages, f)
		}
	}
	if len(stages) == 0 {
		return files
	}
	return stages
}

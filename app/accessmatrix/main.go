// Command accessmatrix reads CloudFormation templates (JSON, YAML, SAM) and prints, for
// every Lambda function and S3 bucket in them, which S3 actions the
// function can perform, over which network path, and why, proven offline
// from the templates alone.
//
// Usage:
//
//	go run ./app/accessmatrix [flags] TEMPLATE.json...
//
// With no template arguments it reads cdk.out/*.template.json. A
// template's account and region are those its cloud assembly's
// manifest.json (in the template's directory) gives its stack, when it
// gives them; --set overrides them for every template.
//
// Exit status: 0 on success, 1 when --expect finds mismatches, 2 on bad
// input or usage.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	_ "github.com/privates3/privates3/app/accessmatrix/cfn/cfnsam"  // SAM templates
	_ "github.com/privates3/privates3/app/accessmatrix/cfn/cfnyaml" // YAML templates
	"github.com/privates3/privates3/app/accessmatrix/matrix"
	"github.com/privates3/privates3/app/accessmatrix/network"
	"github.com/privates3/privates3/app/internal/cdkout"
	"github.com/privates3/privates3/app/internal/cli"
	"github.com/privates3/privates3/app/internal/cli/cfnfile"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlagSet("accessmatrix", "accessmatrix [flags] [TEMPLATE.json ...]  (default: cdk.out/*.template.json)", stderr)
	var actions, sets, subnets, prefixLists cli.List
	asJSON := fs.Bool("json", false, "print one row per action, as a JSON array")
	asRows := fs.Bool("rows", false, "print one row per action, as a table, instead of the summary")
	expect := fs.String("expect", "", "check rows against this JSON file of expectations; exit 1 listing every mismatch")
	noProbes := fs.Bool("no-probes", false, "leave out the probe rows (@console, @deployer, @plaintext, and @cross-account/@unnamed-role for a bucket policy naming another account's role)")
	qualifier := fs.String("qualifier", "", "CDK bootstrap qualifier of the @deployer role (default: from the BootstrapVersion parameter, else hnb659fds)")
	fs.Var(&actions, "action", fmt.Sprintf("S3 action to evaluate, e.g. s3:GetObject (repeatable; default: every S3 action on a bucket or an object, %d in all)", len(matrix.DefaultActions)))
	fs.Var(&subnets, "subnet", "SUBNET=ROUTETABLE for a subnet of an existing VPC, defined outside the templates, e.g. subnet-0a1b=rtb-0c2d (repeatable)")
	fs.Var(&prefixLists, "s3-prefix-list", "pl-ID of the region's S3 managed prefix list (com.amazonaws.REGION.s3), when egress rules name it by id (repeatable)")
	fs.Var(&sets, "set", "NAME=VALUE for a pseudo parameter or parameter otherwise kept symbolic, e.g. AWS::Region=eu-west-1 (repeatable)")
	if code, ok := cli.Parse(fs, args); !ok {
		return code
	}
	files, err := cdkout.Templates(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "accessmatrix: %v\n", err)
		return 2
	}
	values, err := cli.Pairs("set", "NAME=VALUE", sets)
	if err != nil {
		fmt.Fprintf(stderr, "accessmatrix: %v\n", err)
		return 2
	}
	external, err := cli.Pairs("subnet", "SUBNET=ROUTETABLE", subnets)
	if err != nil {
		fmt.Fprintf(stderr, "accessmatrix: %v\n", err)
		return 2
	}
	var exps []matrix.Expectation
	if *expect != "" {
		var err error
		if exps, err = matrix.LoadExpectations(*expect); err != nil {
			fmt.Fprintf(stderr, "accessmatrix: %v\n", err)
			return 2
		}
		if len(actions) > 0 {
			actions = appendMissing(actions, matrix.Actions(exps))
		} else {
			actions = appendMissing(append(cli.List{}, matrix.DefaultActions...), matrix.Actions(exps))
		}
	}
	templates := make([]*cfn.Template, 0, len(files))
	for _, f := range files {
		t, err := cfnfile.Load(f)
		if err != nil {
			fmt.Fprintf(stderr, "accessmatrix: %v\n", err)
			return 2
		}
		templates = append(templates, t)
	}
	opts := matrix.Options{Actions: actions, NoProbes: *noProbes, Values: values, Qualifier: *qualifier, External: network.External{Subnets: external, S3PrefixLists: prefixLists}}
	rows, err := matrix.BuildWith(opts, templates...)
	if err != nil {
		fmt.Fprintf(stderr, "accessmatrix: %v\n", err)
		return 2
	}
	if *asJSON {
		// The JSON array is the output contract; what was assumed goes to
		// stderr so that it is still said.
		if err = matrix.WriteJSON(stdout, rows); err == nil {
			err = matrix.WriteAssumptions(stderr, matrix.Assumptions(opts))
		}
		if err == nil {
			err = writeNotModelled(stderr, templates)
		}
		if err == nil {
			err = writeMissing(stderr, templates)
		}
	} else if err = write(stdout, rows, *asRows); err == nil {
		if err = matrix.WriteAssumptions(stdout, matrix.Assumptions(opts)); err == nil {
			err = writeNotModelled(stdout, templates)
		}
		if err == nil {
			err = writeMissing(stdout, templates)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "accessmatrix: %v\n", err)
		return 2
	}
	if mm := matrix.Check(rows, exps); len(mm) > 0 {
		fmt.Fprintf(stderr, "accessmatrix: %d expectation(s) of %s broken:\n", len(mm), *expect)
		for _, m := range mm {
			fmt.Fprintf(stderr, "  - %s\n", m)
		}
		return 1
	}
	if *expect != "" {
		// On stderr, like the breaks: stdout stays the matrix (or JSON).
		fmt.Fprintf(stderr, "accessmatrix: all %d expectation(s) of %s hold\n", len(exps), *expect)
	}
	return 0
}

// write prints the summary, or with --rows the table.
func write(w io.Writer, rows []matrix.Row, asRows bool) error {
	if asRows {
		return matrix.WriteTable(w, rows)
	}
	return matrix.WriteSummary(w, rows)
}

func appendMissing(dst cli.List, more []string) cli.List {
	have := map[string]bool{}
	for _, a := range dst {
		have[strings.ToLower(a)] = true
	}
	for _, a := range more {
		if !have[strings.ToLower(a)] {
			have[strings.ToLower(a)] = true
			dst = append(dst, a)
		}
	}
	return dst
}

// writeMissing says which templates declare no function or no bucket, so
// that a template named by mistake, or one stage's template read alone,
// does not pass for one whose functions were all judged and found
// harmless. SAM's functions are Lambda functions by now (cfn expands the
// transform on loading).
func writeMissing(w io.Writer, templates []*cfn.Template) error {
	var b strings.Builder
	for _, t := range templates {
		functions := len(t.ResourcesOfType("AWS::Lambda::Function")) > 0
		buckets := len(t.ResourcesOfType("AWS::S3::Bucket")) > 0
		var say string
		switch {
		case !functions && !buckets:
			say = "declares neither a Lambda function nor an S3 bucket: nothing in it is judged"
		case !functions:
			say = "declares no Lambda function (AWS::Lambda::Function, AWS::Serverless::Function): only the probes and other templates' functions are judged against its buckets"
		case !buckets:
			say = "declares no S3 bucket (AWS::S3::Bucket): its functions are judged only against other templates' buckets"
		default:
			continue
		}
		if b.Len() == 0 {
			b.WriteString("\nNOTE\n")
		}
		fmt.Fprintf(&b, "  %s %s\n", filepath.Base(t.Name), say)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

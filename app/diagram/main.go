// Command diagram draws the architecture diagram of the app from its
// synthesized CloudFormation template: Graphviz DOT from Go, rendered to SVG
// by Graphviz's dot.
//
// Usage:
//
//	go run ./app/diagram            # DOT of the default template on stdout
//	go run ./app/diagram -update    # rewrite app/diagram/architecture.{dot,svg}
//	go run ./app/diagram -template cdk.out/PrivateS3-dev.template.json -o DIR
//	go run ./app/diagram -template T.json -set AWS::Region=eu-west-1
//
// Any template a synth writes can be drawn. Only the conditions of what the
// picture shows (VPCs, subnets, routes, gateways, buckets, functions) are
// decided, so CDK's CDKMetadataAvailable, which needs the region, is never
// asked; a condition of the network that depends on a value unknown
// offline is decided with -set, as in the access matrix. A stack's account
// and region come from the manifest.json beside its template, when the
// stack has an environment.
//
// The default template is app/stack/testdata/default.template.json, the
// committed snapshot of the default stack that app/stack's tests keep equal
// to a fresh synth (asset hashes masked). Reading the snapshot rather than
// cdk.out means the diagram, and the test that keeps it current, need no
// CDK synth.
//
// The SVG carries the SHA-256 of the DOT it was rendered from, in an XML
// comment, so a test can tell a stale SVG without running Graphviz.
//
// Exit status: 0 on success, 1 on failure, 2 on bad usage.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/privates3/privates3/app/diagram/architecture"
	"github.com/privates3/privates3/app/internal/cli"
	"github.com/privates3/privates3/app/internal/cli/cfnfile"
)

const (
	module = "github.com/privates3/privates3"
	// defaultTemplate and outDir are relative to the repository root.
	defaultTemplate = "app/stack/testdata/default.template.json"
	outDir          = "app/diagram"
	dotFile         = "architecture.dot"
	svgFile         = "architecture.svg"
	regenerate      = "go run ./app/diagram -update"
	// hashPrefix starts the XML comment that records which DOT an SVG was
	// rendered from.
	hashPrefix = "<!-- architecture.dot sha256: "
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlagSet("diagram", "diagram [-template FILE] [-o DIR | -update] [-action s3:Action] [-set NAME=VALUE ...]", stderr)
	tmpl := fs.String("template", "", "CloudFormation JSON template to draw (default: "+defaultTemplate+" in the repository)")
	out := fs.String("o", "", "write "+dotFile+" and "+svgFile+" into this folder (needs Graphviz's dot); default: DOT on stdout")
	update := fs.Bool("update", false, "rewrite "+outDir+"/"+dotFile+" and "+svgFile+" from the default template (needs Graphviz's dot)")
	action := fs.String("action", architecture.DefaultAction, "S3 action whose access-matrix decisions colour the paths")
	var sets cli.List
	fs.Var(&sets, "set", "NAME=VALUE for a pseudo parameter or parameter otherwise kept symbolic, e.g. AWS::Region=eu-west-1 (repeatable; as the access matrix's --set)")
	if code, ok := cli.Parse(fs, args); !ok {
		return code
	}
	values, err := cli.Pairs("set", "NAME=VALUE", sets)
	if err != nil {
		fmt.Fprintf(stderr, "diagram: %v\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "diagram: unexpected argument %q; pass the template with -template\n", fs.Arg(0))
		return 2
	}
	if *update && (*out != "" || *tmpl != "" || len(values) > 0) {
		fmt.Fprintln(stderr, "diagram: -update rewrites the committed diagram from the default template; it cannot be combined with -o, -template or -set")
		return 2
	}
	if err := generate(*tmpl, *out, *update, architecture.Options{Action: *action, Values: values}, stdout); err != nil {
		fmt.Fprintf(stderr, "diagram: %v\n", err)
		return 1
	}
	return 0
}

func generate(tmpl, out string, update bool, opts architecture.Options, stdout io.Writer) error {
	source := tmpl
	if tmpl == "" || update {
		root, err := repoRoot()
		if err != nil {
			return err
		}
		tmpl = filepath.Join(root, defaultTemplate)
		source = defaultTemplate
		if update {
			out = filepath.Join(root, outDir)
		}
	}
	if out != "" {
		// Checked before anything is written, so a missing Graphviz never
		// leaves a new DOT next to an old SVG.
		if _, err := exec.LookPath("dot"); err != nil {
			return errors.New("Graphviz's dot is not on PATH; install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz) and run again")
		}
	}
	dot, err := Generate(tmpl, source, opts)
	if err != nil {
		return err
	}
	if out == "" {
		_, err := stdout.Write(dot)
		return err
	}
	svg, err := render(dot)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, dotFile), dot, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, svgFile), svg, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s and %s\n", filepath.Join(out, dotFile), filepath.Join(out, svgFile))
	return nil
}

// Generate returns the DOT of the template at path; source is the name the
// caption shows. opts' Source and Regenerate are set here.
func Generate(path, source string, opts architecture.Options) ([]byte, error) {
	t, err := cfnfile.Load(path)
	if err != nil {
		return nil, err
	}
	// The committed DOT records only the source, not where this checkout
	// lives, so it is identical on every machine.
	regen := regenerate
	if source != defaultTemplate {
		regen = "go run ./app/diagram -template " + source
		for _, k := range slices.Sorted(maps.Keys(opts.Values)) {
			regen += " -set " + k + "=" + opts.Values[k]
		}
	}
	opts.Source, opts.Regenerate = source, regen
	return architecture.DOT(t, opts)
}

// render runs dot -Tsvg and stamps the DOT's hash into the SVG.
func render(dot []byte) ([]byte, error) {
	cmd := exec.Command("dot", "-Tsvg")
	cmd.Stdin = bytes.NewReader(dot)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("dot -Tsvg: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return StampSVG(stdout.Bytes(), dot)
}

// StampSVG inserts the comment that records dot's SHA-256 after the SVG's
// XML declaration.
func StampSVG(svg, dot []byte) ([]byte, error) {
	if bytes.Contains(svg, []byte(hashPrefix)) {
		return nil, errors.New("SVG already carries a DOT hash")
	}
	comment := hashPrefix + DOTHash(dot) + " -->\n"
	at := 0
	if bytes.HasPrefix(svg, []byte("<?xml")) {
		end := bytes.Index(svg, []byte("?>"))
		if end < 0 {
			return nil, errors.New("SVG has an unterminated XML declaration")
		}
		at = end + 2
		if at < len(svg) && svg[at] == '\n' {
			at++
		}
	}
	if !bytes.Contains(svg[at:], []byte("<svg")) {
		return nil, errors.New("not an SVG document: no <svg element")
	}
	out := make([]byte, 0, len(svg)+len(comment))
	out = append(out, svg[:at]...)
	out = append(out, comment...)
	return append(out, svg[at:]...), nil
}

// DOTHash is the hex SHA-256 of a DOT file.
func DOTHash(dot []byte) string {
	sum := sha256.Sum256(dot)
	return hex.EncodeToString(sum[:])
}

// SVGHash returns the DOT hash stamped into an SVG.
func SVGHash(svg []byte) (string, error) {
	i := bytes.Index(svg, []byte(hashPrefix))
	if i < 0 {
		return "", errors.New("the SVG carries no DOT hash: it was not rendered by " + regenerate)
	}
	rest := svg[i+len(hashPrefix):]
	end := bytes.Index(rest, []byte(" -->"))
	if end != 64 {
		return "", errors.New("the SVG's DOT hash comment is malformed")
	}
	return string(rest[:end]), nil
}

// repoRoot walks up from the working directory to this module's go.mod, so
// the command works from any folder of the checkout.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modulePath(data) == module {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("not inside the %s checkout (no go.mod declaring it above the working directory); run from the repository or pass -template and -o", module)
		}
		dir = parent
	}
}

func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

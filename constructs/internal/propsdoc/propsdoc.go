// Package propsdoc writes the props tables of constructs/README.md from the
// constructs' Go doc comments, so the README and godoc say one thing: a
// field's comment is its description, and its sentence starting "Default:"
// is the default column. The test beside it fails when the README's tables
// are not what the comments say; `go generate ./constructs/internal/propsdoc`
// rewrites them.
//
// A table sits between two marker lines in the README:
//
//	<!-- props: storage PrivateBucketProps -->
//	<!-- /props -->
package propsdoc

//go:generate go run ./gen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var marker = regexp.MustCompile(`(?m)^<!-- props: (\w+) (\w+) -->\n(?s:(.*?))^<!-- /props -->$`)

// Rewrite returns readme with every props table rewritten from the Go
// sources of the packages below constructsDir.
func Rewrite(readme []byte, constructsDir string) ([]byte, error) {
	var err error
	out := marker.ReplaceAllFunc(readme, func(m []byte) []byte {
		sub := marker.FindSubmatch(m)
		pkg, typ := string(sub[1]), string(sub[2])
		table, e := Table(filepath.Join(constructsDir, pkg), typ)
		if e != nil {
			err = e
			return m
		}
		return []byte(fmt.Sprintf("<!-- props: %s %s -->\n%s<!-- /props -->", pkg, typ, table))
	})
	if err != nil {
		return nil, err
	}
	if !marker.Match(readme) {
		return nil, fmt.Errorf("no <!-- props: PACKAGE TYPE --> marker")
	}
	return out, nil
}

// Table renders struct typ of the package in dir as a Markdown table: prop,
// type, what it does, default.
func Table(dir, typ string) (string, error) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
	if err != nil {
		return "", err
	}
	for _, p := range pkgs {
		for _, t := range doc.New(p, dir, doc.AllDecls).Types {
			if t.Name != typ {
				continue
			}
			st, ok := t.Decl.Specs[0].(*ast.TypeSpec).Type.(*ast.StructType)
			if !ok {
				return "", fmt.Errorf("%s.%s is not a struct", p.Name, typ)
			}
			return render(fset, st)
		}
	}
	return "", fmt.Errorf("no type %s in %s", typ, dir)
}

func render(fset *token.FileSet, st *ast.StructType) (string, error) {
	var b strings.Builder
	b.WriteString("| prop | type | what it does | default |\n|---|---|---|---|\n")
	for _, f := range st.Fields.List {
		if len(f.Names) == 0 || !f.Names[0].IsExported() {
			continue
		}
		var ty bytes.Buffer
		if err := printer.Fprint(&ty, fset, f.Type); err != nil {
			return "", err
		}
		var what []string
		def := "—" // the description says whether it is required
		for _, s := range sentences(f.Doc.Text()) {
			if rest, ok := strings.CutPrefix(s, "Default"); ok && (strings.HasPrefix(rest, ":") || strings.HasPrefix(rest, " (")) {
				_, d, _ := strings.Cut(rest, ":")
				def = strings.TrimSuffix(strings.TrimSpace(d), ".")
				continue
			}
			what = append(what, s)
		}
		desc := strings.Join(what, " ")
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", f.Names[0].Name, ty.String(), cell(desc), cell(def))
	}
	return b.String(), nil
}

// sentences splits a comment at a full stop followed by a space and a
// capital letter, which keeps "vpce-...)" and "s3.${AWS::Region}" whole.
func sentences(text string) []string {
	words := strings.Fields(text)
	var out []string
	start := 0
	for i := range words {
		last := i == len(words)-1
		if last || (strings.HasSuffix(words[i], ".") && !strings.HasSuffix(words[i], "...") && startsUpper(words[i+1])) {
			out = append(out, strings.Join(words[start:i+1], " "))
			start = i + 1
		}
	}
	return out
}

func startsUpper(w string) bool { return w != "" && w[0] >= 'A' && w[0] <= 'Z' }

// cell keeps a table cell on one line and its pipes literal.
func cell(s string) string {
	return strings.ReplaceAll(strings.TrimSpace(s), "|", `\|`)
}

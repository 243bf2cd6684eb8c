package readmelinks

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"

	"github.com/privates3/privates3/app/internal/readmecmds"
)

// link is one Markdown link as written in a document.
type link struct {
	Line   int
	Target string
}

var (
	// [text](target) and ![alt](target), with an optional "title".
	linkRE    = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	headingRE = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	codeRE    = regexp.MustCompile("`+[^`]*`+")
)

// links returns the links of a document outside code blocks and code spans,
// where brackets and parentheses are text, not links.
func links(doc string) []link {
	var found []link
	fenced := false
	for i, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		for _, m := range linkRE.FindAllStringSubmatch(codeRE.ReplaceAllString(line, "``"), -1) {
			found = append(found, link{Line: i + 1, Target: m[1]})
		}
	}
	return found
}

// anchors returns the fragment ids GitHub gives a document's headings.
func anchors(doc string) map[string]bool {
	ids := map[string]bool{}
	seen := map[string]int{}
	fenced := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		m := headingRE.FindStringSubmatch(line)
		if fenced || m == nil {
			continue
		}
		id := slug(m[2])
		if n := seen[id]; n > 0 {
			ids[fmt.Sprintf("%s-%d", id, n)] = true
		} else {
			ids[id] = true
		}
		seen[id]++
	}
	return ids
}

// slug is GitHub's heading id: lower case, every character that is not a
// letter, a digit, a space, a hyphen or an underscore removed, spaces turned
// into hyphens (a repeated heading gets -1, -2: see anchors).
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// check returns one sentence per link of the docs that leads nowhere: a
// file or folder that does not exist, or an anchor that is not a heading of
// its document. Links with a scheme (https:, mailto:) are not followed.
func check(fsys fs.FS, docs []string) ([]string, error) {
	var problems []string
	for _, doc := range docs {
		text, err := fs.ReadFile(fsys, doc)
		if err != nil {
			return nil, err
		}
		for _, l := range links(string(text)) {
			if strings.Contains(l.Target, ":") && !strings.HasPrefix(l.Target, "#") {
				continue
			}
			file, frag, _ := strings.Cut(l.Target, "#")
			target := doc
			if file != "" {
				target = path.Join(path.Dir(doc), file)
				if !fs.ValidPath(target) {
					problems = append(problems, fmt.Sprintf("%s:%d: link %q leaves the repository", doc, l.Line, l.Target))
					continue
				}
				if _, err := fs.Stat(fsys, target); err != nil {
					problems = append(problems, fmt.Sprintf("%s:%d: link %q: %s does not exist", doc, l.Line, l.Target, target))
					continue
				}
			}
			if frag == "" {
				continue
			}
			if !strings.HasSuffix(target, ".md") {
				problems = append(problems, fmt.Sprintf("%s:%d: link %q has an anchor, but %s is not Markdown", doc, l.Line, l.Target, target))
				continue
			}
			body, err := fs.ReadFile(fsys, target)
			if err != nil {
				return nil, err
			}
			if !anchors(string(body))[frag] {
				problems = append(problems, fmt.Sprintf("%s:%d: link %q: %s has no heading with the id %q", doc, l.Line, l.Target, target, frag))
			}
		}
	}
	return problems, nil
}

// unlinked returns the docs that the landing page does not link to directly,
// so a reader of the landing page could not find them in one step.
func unlinked(landing string, landingText string, docs []string) []string {
	linked := map[string]bool{landing: true}
	for _, l := range links(landingText) {
		file, _, _ := strings.Cut(l.Target, "#")
		if file != "" {
			linked[path.Join(path.Dir(landing), file)] = true
		}
	}
	var missing []string
	for _, d := range docs {
		if !linked[d] {
			missing = append(missing, d)
		}
	}
	return missing
}

// maxLandingLines keeps README.md a landing page (issue 17): what it is,
// Quick start, deploy and prove it, the configuration table, the constructs
// in a paragraph, and a map of the rest.
const maxLandingLines = 350

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder: run the test inside the repository")
		}
		dir = parent
	}
}

// TestDocs checks the repository's own documentation.
func TestDocs(t *testing.T) {
	fsys := os.DirFS(repoRoot(t))
	found, err := readmecmds.MarkdownFiles(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) < 2 {
		t.Fatalf("MarkdownFiles found %v: want README.md and the docs beside the code", found)
	}
	problems, err := check(fsys, found)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	readme, err := fs.ReadFile(fsys, "README.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(readme), "\n"); n > maxLandingLines {
		t.Errorf("README.md has %d lines, want at most %d: move the detail beside the code it documents and link it", n, maxLandingLines)
	}
	for _, d := range unlinked("README.md", string(readme), found) {
		t.Errorf("README.md does not link to %s: add it to \"Where everything else lives\"", d)
	}
}

func TestSlug(t *testing.T) {
	// Ids as GitHub renders them for these headings.
	for _, c := range []struct{ heading, want string }{
		{"Quick start", "quick-start"},
		{"What stays after `cdk destroy`", "what-stays-after-cdk-destroy"},
		{"`functions.NewUploader`, `functions.NewControl`", "functionsnewuploader-functionsnewcontrol"},
		{"Policy as code: Guard, cdk-nag and cfn-lint", "policy-as-code-guard-cdk-nag-and-cfn-lint"},
		{"Deploy and prove it", "deploy-and-prove-it"},
		{"snake_case stays", "snake_case-stays"},
	} {
		if got := slug(c.heading); got != c.want {
			t.Errorf("slug(%q) = %q, want %q", c.heading, got, c.want)
		}
	}
}

func TestCheck(t *testing.T) {
	fsys := fstest.MapFS{
		"README.md": {Data: []byte("# Top\n\n## Usage\n\n## Usage\n\n" +
			"[ok](a/README.md#part-one) [self](#usage-1) [dir](a) [web](https://example.com/x#y)\n" +
			"`[not a link](nowhere.md)`\n```\n[also not](nowhere.md)\n```\n" +
			"[gone](b/README.md) [bad anchor](a/README.md#part-two) [self bad](#nope) [up](../x.md) [anchor on dir](a#x)\n")},
		"a/README.md": {Data: []byte("# A\n\n## Part one\n\n```sh\n# Part two is a shell comment\n```\n")},
	}
	found, err := readmecmds.MarkdownFiles(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"README.md", "a/README.md"}; strings.Join(found, " ") != strings.Join(want, " ") {
		t.Fatalf("MarkdownFiles = %v, want %v", found, want)
	}
	problems, err := check(fsys, found)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`README.md:12: link "b/README.md": b/README.md does not exist`,
		`README.md:12: link "a/README.md#part-two": a/README.md has no heading with the id "part-two"`,
		`README.md:12: link "#nope": README.md has no heading with the id "nope"`,
		`README.md:12: link "../x.md" leaves the repository`,
		`README.md:12: link "a#x" has an anchor, but a is not Markdown`,
	}
	if strings.Join(problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("check problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(want, "\n"))
	}
	if got := unlinked("README.md", "[a](a/README.md#part-one)", []string{"README.md", "a/README.md", "c/README.md"}); strings.Join(got, " ") != "c/README.md" {
		t.Errorf("unlinked = %v, want [c/README.md]", got)
	}
}

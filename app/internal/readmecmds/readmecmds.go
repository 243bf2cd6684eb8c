// Package readmecmds finds the project's review commands (go run ./app/NAME
// ...) where the documentation gives them: every Markdown file of the
// checkout, in its ```sh blocks and its inline code. Its test synthesizes
// the app once, as a user does, and runs each command found against that
// fresh output, so a command, flag or path that the docs name and the code
// no longer has fails a test instead of a new user.
package readmecmds

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"
)

// Command is one documented invocation of a command under app/.
type Command struct {
	// Where is FILE:LINE, relative to the root.
	Where string
	// Text is the command as the docs write it, comments left out.
	Text string
	// Name is the command's folder under app/ ("accessmatrix").
	Name string
	// Args are the words after go run ./app/NAME.
	Args []string
}

// MarkdownFiles lists the Markdown files of the tree, skipping what is not
// documentation a reader browses: dependencies, build output, caches and
// hidden folders but .github, and test fixtures (testdata holds Markdown
// that tests compare byte for byte). The docs' link check reads the same
// list.
func MarkdownFiles(fsys fs.FS) ([]string, error) {
	var found []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != "." && (name == "node_modules" || name == "testdata" || strings.HasPrefix(name, "cdk.out") ||
				(strings.HasPrefix(name, ".") && name != ".github")) {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".md") {
			found = append(found, p)
		}
		return nil
	})
	sort.Strings(found)
	return found, err
}

// Commands returns every go run ./app/NAME command of the Markdown files
// under root (MarkdownFiles), in file and line order. The app itself (go
// run ./app) is not one: it is the synth.
func Commands(root string) ([]Command, error) {
	fsys := os.DirFS(root)
	files, err := MarkdownFiles(fsys)
	if err != nil {
		return nil, err
	}
	var out []Command
	for _, name := range files {
		f, err := fsys.Open(name)
		if err != nil {
			return nil, err
		}
		cmds, err := fromMarkdown(name, f)
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, cmds...)
	}
	return out, nil
}

var (
	fence      = regexp.MustCompile("^\\s*```+\\s*(\\w*)")
	inlineCode = regexp.MustCompile("`([^`]+)`")
)

// fromMarkdown reads the commands of one Markdown file: the lines of shell
// blocks (```sh, ```bash, ```shell), continued lines joined, and the inline
// code spans of the prose.
func fromMarkdown(name string, r interface{ Read([]byte) (int, error) }) ([]Command, error) {
	var out []Command
	sc := bufio.NewScanner(r)
	inBlock, shell := false, false
	pending, pendingAt := "", 0
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if m := fence.FindStringSubmatch(line); m != nil {
			if !inBlock {
				inBlock = true
				shell = m[1] == "sh" || m[1] == "bash" || m[1] == "shell"
			} else {
				inBlock, shell = false, false
			}
			continue
		}
		switch {
		case inBlock && shell:
			if pending == "" {
				pendingAt = n
			}
			if body, more := strings.CutSuffix(line, "\\"); more {
				pending += body + " "
				continue
			}
			out = append(out, parse(fmt.Sprintf("%s:%d", name, pendingAt), pending+line)...)
			pending = ""
		case !inBlock:
			for _, m := range inlineCode.FindAllStringSubmatch(line, -1) {
				out = append(out, parse(fmt.Sprintf("%s:%d", name, n), m[1])...)
			}
		}
	}
	return out, sc.Err()
}

// parse splits a shell line into its commands (at &&, ||, ; and |) and
// keeps the go run ./app/NAME ones, with leading VAR=value assignments
// dropped.
func parse(where, line string) []Command {
	words := split(line)
	var out []Command
	for len(words) > 0 {
		end := len(words)
		for i, w := range words {
			if w == "&&" || w == "||" || w == ";" || w == "|" {
				end = i
				break
			}
		}
		cmd := words[:end]
		for len(cmd) > 0 && assignment.MatchString(cmd[0]) {
			cmd = cmd[1:]
		}
		if len(cmd) >= 3 && cmd[0] == "go" && cmd[1] == "run" {
			if name, ok := strings.CutPrefix(strings.TrimSuffix(cmd[2], "/"), "./app/"); ok && name != "" {
				out = append(out, Command{Where: where, Text: strings.Join(cmd, " "), Name: name, Args: cmd[3:]})
			}
		}
		if end == len(words) {
			break
		}
		words = words[end+1:]
	}
	return out
}

var assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// split divides a shell line into words: blanks separate them, single and
// double quotes group them, and a word starting with # ends the line.
func split(line string) []string {
	var words []string
	var b strings.Builder
	inWord := false
	var quote rune
	for _, c := range line {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				b.WriteRune(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, b.String())
				b.Reset()
				inWord = false
			}
		case c == '#' && !inWord:
			return words
		case c == ';':
			if inWord {
				words = append(words, b.String())
				b.Reset()
				inWord = false
			}
			words = append(words, ";")
		default:
			b.WriteRune(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, b.String())
	}
	return words
}

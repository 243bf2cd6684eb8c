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
	"path/filepath"
	"regexp"
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

// skipDirs are folders whose Markdown is not this project's documentation.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "testdata": true}

// Commands returns every go run ./app/NAME command of the Markdown files
// under root, in file and line order. The app itself (go run ./app) is not
// one: it is the synth.
func Commands(root string) ([]Command, error) {
	var out []Command
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (skipDirs[d.Name()] || strings.HasPrefix(d.Name(), "cdk.out")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(d.Name(), ".md") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		cmds, err := fromMarkdown(filepath.ToSlash(rel), f)
		out = append(out, cmds...)
		return err
	})
	return out, err
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

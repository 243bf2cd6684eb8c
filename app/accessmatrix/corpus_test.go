package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/accessmatrix/matrix"
	"github.com/privates3/privates3/app/internal/cli"
	"github.com/privates3/privates3/app/internal/cli/cfnfile"
)

// Its own name, not -update: other tests of this package may define that.
var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/corpus/unknowns.golden")

// corpusDir holds real public templates that other people wrote, each kept
// verbatim with NAME.source.json (repository, path, commit, licence) and
// NAME.expect.json, written from AWS's documents before the matrix was run
// (see testdata/corpus/README.md).
const corpusDir = "testdata/corpus"

// knownDisagreement is an expectation the matrix does not meet, where AWS's
// documents are on the expectation's side and the fix is not small. The test
// fails when one no longer occurs, so that the entry goes when the matrix is
// fixed.
type knownDisagreement struct {
	corpus, function, action, got, why string
}

// knownDisagreements is empty: the one the corpus found at its first run
// (an ELB-account probe's s3:PutObject on the ALB log bucket, allowed in one
// account and across two, which the matrix said was unknown) is fixed.
var knownDisagreements []knownDisagreement

var licences = map[string]bool{"Apache-2.0": true, "MIT-0": true, "MIT": true}

var commitRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// TestCorpus runs every template of the corpus alone against its
// expectations, checks that its source names a repository, path, commit and
// an open licence, and pins every unknown decision, with the value its
// reason names, in testdata/corpus/unknowns.golden (refresh with
// go test ./app/accessmatrix -run TestCorpus -update-corpus).
func TestCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.template.*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("%s holds %d templates, want at least 10 (issue 18)", corpusDir, len(files))
	}
	sort.Strings(files)
	seen := map[knownDisagreement]bool{}
	met, total := 0, 0
	var unknowns strings.Builder
	for _, f := range files {
		name := strings.SplitN(filepath.Base(f), ".template.", 2)[0]
		t.Run(name, func(t *testing.T) {
			checkSource(t, filepath.Join(corpusDir, name+".source.json"))
			exps, err := matrix.LoadExpectations(filepath.Join(corpusDir, name+".expect.json"))
			if err != nil {
				t.Fatal(err)
			}
			tmpl, err := cfnfile.Load(f)
			if err != nil {
				t.Fatalf("cfnfile.Load(%s): %v", f, err)
			}
			actions := appendMissing(append(cli.List{}, matrix.DefaultActions...), matrix.Actions(exps))
			rows, err := matrix.BuildWith(matrix.Options{Actions: actions}, tmpl)
			if err != nil {
				t.Fatalf("matrix.BuildWith(%s): %v", f, err)
			}
			mismatches := matrix.Check(rows, exps)
			total += len(exps)
			met += len(exps) - len(mismatches)
			for _, m := range mismatches {
				if k, ok := known(name, m); ok {
					seen[k] = true
					t.Logf("known disagreement, AWS's documents side with the expectation: %s\n    why: %s", m, k.why)
					continue
				}
				t.Errorf("%s: %s", f, m)
			}
			writeUnknowns(&unknowns, filepath.Base(f), rows)
		})
	}
	t.Logf("corpus score: %d of %d expectations met by the matrix", met, total)
	for _, k := range knownDisagreements {
		if !seen[k] {
			t.Errorf("known disagreement %s %s %s no longer occurs: the matrix was fixed, remove it from knownDisagreements", k.corpus, k.function, k.action)
		}
	}
	golden := filepath.Join(corpusDir, "unknowns.golden")
	if *updateCorpus {
		if err := os.WriteFile(golden, []byte(unknowns.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./app/accessmatrix -run TestCorpus -update-corpus)", err)
	}
	if got := unknowns.String(); got != string(want) {
		t.Errorf("the corpus's unknown decisions changed; each must name a value AWS's documents leave open.\ngot:\n%s\nwant (%s):\n%s", got, golden, want)
	}
}

func known(corpus string, m matrix.Mismatch) (knownDisagreement, bool) {
	for _, k := range knownDisagreements {
		if k.corpus == corpus && m.Row != nil && m.Row.Function == k.function && m.Row.Action == k.action && m.Row.Decision == k.got {
			return k, true
		}
	}
	return knownDisagreement{}, false
}

// writeUnknowns lists the unknown rows of one template, one line per
// caller, bucket, way in and reason, with the actions it covers counted: the
// reason names the value that could not be known.
func writeUnknowns(w *strings.Builder, file string, rows []matrix.Row) {
	type key struct{ function, bucket, path, endpoint, reason string }
	count := map[key]int{}
	var keys []key
	for _, r := range rows {
		if r.Decision != matrix.Unknown {
			continue
		}
		k := key{r.Function, r.Bucket, r.Path, r.Endpoint, r.Reason}
		if count[k] == 0 {
			keys = append(keys, k)
		}
		count[k]++
	}
	for _, k := range keys {
		via := k.path
		if k.endpoint != "" {
			via += " " + k.endpoint
		}
		fmt.Fprintf(w, "%s: %s on %s (%s): %d actions unknown: %s\n", file, k.function, k.bucket, via, count[k], k.reason)
	}
}

// checkSource checks that a corpus entry says where it comes from, at which
// commit, under which open licence.
func checkSource(t *testing.T, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("every corpus template needs its source file: %v", err)
	}
	var src struct {
		Repository  string `json:"repository"`
		Path        string `json:"path"`
		Commit      string `json:"commit"`
		Licence     string `json:"licence"`
		LicenceFile string `json:"licenceFile"`
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&src); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if !strings.HasPrefix(src.Repository, "https://github.com/") || src.Path == "" || src.LicenceFile == "" {
		t.Errorf("%s: repository %q, path %q and licenceFile %q must name a GitHub repository and files in it", file, src.Repository, src.Path, src.LicenceFile)
	}
	if !commitRE.MatchString(src.Commit) {
		t.Errorf("%s: commit %q is not a 40-digit hex commit id", file, src.Commit)
	}
	if !licences[src.Licence] {
		t.Errorf("%s: licence %q is not one of Apache-2.0, MIT-0, MIT", file, src.Licence)
	}
}

package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		code     int
		ok       bool
		inStderr string
	}{
		{[]string{"-v", "x"}, 0, true, ""},
		{[]string{"-h"}, 0, false, "usage: demo [flags] FILE"},
		{[]string{"-nope"}, 2, false, "flag provided but not defined: -nope"},
	} {
		var stderr bytes.Buffer
		fs := NewFlagSet("demo", "demo [flags] FILE", &stderr)
		v := fs.Bool("v", false, "verbose")
		code, ok := Parse(fs, tc.args)
		if code != tc.code || ok != tc.ok {
			t.Errorf("Parse(%q) = %d, %v, want %d, %v", tc.args, code, ok, tc.code, tc.ok)
		}
		if !strings.Contains(stderr.String(), tc.inStderr) {
			t.Errorf("Parse(%q) stderr = %q, want it to hold %q", tc.args, stderr.String(), tc.inStderr)
		}
		if tc.ok && (!*v || fs.Arg(0) != "x") {
			t.Errorf("Parse(%q) did not set the flags and arguments", tc.args)
		}
	}
}

func TestPairs(t *testing.T) {
	var l List
	for _, v := range []string{"AWS::Region=eu-west-1", "Env=a=b"} {
		if err := l.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Pairs("set", "NAME=VALUE", l)
	if err != nil || len(got) != 2 || got["AWS::Region"] != "eu-west-1" || got["Env"] != "a=b" {
		t.Errorf("Pairs(%q) = %v, %v; want AWS::Region=eu-west-1 and Env=a=b (split at the first =)", l, got, err)
	}
	for _, bad := range []string{"=x", "x=", "x"} {
		if _, err := Pairs("set", "NAME=VALUE", []string{bad}); err == nil || err.Error() != `--set "`+bad+`": want NAME=VALUE` {
			t.Errorf("Pairs(%q) error = %v, want it to name the flag, the value and the form", bad, err)
		}
	}
}

func TestParseError(t *testing.T) {
	var stderr bytes.Buffer
	fs := NewFlagSet("demo", "demo", &stderr)
	if code, ok, err := ParseError(fs, []string{"-nope"}); code != 2 || ok || err == nil || err.Error() != "flag provided but not defined: -nope" {
		t.Errorf("ParseError(-nope) = %d, %v, %v; want 2, false and the flag set's error", code, ok, err)
	}
	if code, ok, err := ParseError(fs, []string{"-h"}); code != 0 || ok || err != nil {
		t.Errorf("ParseError(-h) = %d, %v, %v; want 0, false, nil", code, ok, err)
	}
}

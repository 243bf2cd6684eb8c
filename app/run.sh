#!/bin/sh
# sh app/run.sh PACKAGE [ARGS...]: run the command in ./PACKAGE (app,
# app/accessmatrix, app/guardcheck) as `go run ./PACKAGE ARGS...` would,
# from a binary built once into .cache/bin and reused until something it is
# built from changes. `go run` decides that itself on every call by loading
# and hashing the whole import graph, the CDK bindings included: about 0.4 s
# a call here, three calls an `npm run synth`. This decides it make's way:
# the binary is rebuilt when any file or folder under app/, constructs/ or
# lambda/ (tests, testdata and Markdown aside), go.mod, go.sum or the go
# command is newer than it, or GOFLAGS, GOTOOLCHAIN or GOWORK differ from its build's.
# The working directory is the caller's, as with go run.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: sh app/run.sh PACKAGE [ARGS...], e.g. sh app/run.sh app/guardcheck" >&2; exit 2; }
pkg=${1%/}
shift
case $pkg in
  app | app/*) ;;
  *) echo "run.sh: \"$pkg\" is not a command of this project: give app or app/NAME" >&2; exit 2 ;;
esac
[ -d "$root/$pkg" ] || { echo "run.sh: $root/$pkg does not exist" >&2; exit 2; }
gobin=$(command -v go) || { echo "run.sh: go is not on the PATH: install Go (https://go.dev/dl/)" >&2; exit 2; }
bin=$root/.cache/bin/$(echo "$pkg" | tr / _)
env="GOFLAGS=${GOFLAGS:-} GOTOOLCHAIN=${GOTOOLCHAIN:-} GOWORK=${GOWORK:-}"
stale=
if [ ! -x "$bin" ] || [ "$(cat "$bin.env" 2>/dev/null)" != "$env" ]; then
  stale=yes
# A folder counts too: removing or adding a file changes its time.
elif [ -n "$(find "$root/app" "$root/constructs" "$root/lambda" "$root/go.mod" "$root/go.sum" "$gobin" \
  -path '*/testdata' -prune -o -newer "$bin" \( -type d -o -type f ! -name '*_test.go' ! -name '*.md' \) -print 2>/dev/null | head -n 1)" ]; then
  stale=yes
fi
if [ -n "$stale" ]; then
  mkdir -p "$root/.cache/bin"
  # Built beside and renamed into place: a synth running at the same time
  # runs the old binary or the new one, never half of one.
  tmp=$(mktemp "$bin.tmp-XXXXXX")
  trap 'rm -f "$tmp"' EXIT
  (cd "$root" && go build -o "$tmp" "./$pkg")
  printf '%s' "$env" >"$bin.env"
  mv -f "$tmp" "$bin"
  trap - EXIT
fi
exec "$bin" "$@"

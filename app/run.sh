#!/bin/sh
# sh app/run.sh PACKAGE [ARGS...]: run the command in ./PACKAGE (app,
# app/accessmatrix, app/guardcheck) as `go run ./PACKAGE ARGS...` would,
# from a binary built once into .cache/bin and reused until something it is
# built from changes. `go run` decides that itself on every call by loading
# and hashing the whole import graph, the CDK bindings included: about 0.4 s
# a call here, three calls an `npm run synth`. This decides it make's way:
# the binary is rebuilt when any file or folder under app/, constructs/ or
# lambda/ (tests, testdata and Markdown aside), go.mod, go.sum, the go
# command or its env file (go env -w) is newer than the start of its build,
# or GOFLAGS, GOTOOLCHAIN, GOWORK or GOENV differ from its build's.
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
# $bin.stamp is as old as the start of the build that made $bin, and holds
# the go settings it was made with: a source saved while go build ran is
# newer than it, and is built next time.
goenv=$(go env GOENV)
env="GOFLAGS=${GOFLAGS:-} GOTOOLCHAIN=${GOTOOLCHAIN:-} GOWORK=${GOWORK:-} GOENV=$goenv"
stale=
if [ ! -x "$bin" ] || [ ! -f "$bin.stamp" ] || [ "$(cat "$bin.stamp")" != "$env" ]; then
  stale=yes
# A folder counts too: removing or adding a file changes its time. -H: the
# go command's own time, through a symbolic link to it. The go env file
# (go env -w) counts as a source.
elif [ -n "$(find -H "$root/app" "$root/constructs" "$root/lambda" "$root/go.mod" "$root/go.sum" "$gobin" "$goenv" \
  -path '*/testdata' -prune -o -newer "$bin.stamp" \( -type d -o -type f ! -name '*_test.go' ! -name '*.md' \) -print 2>/dev/null | head -n 1)" ]; then
  stale=yes
fi
if [ -n "$stale" ]; then
  mkdir -p "$root/.cache/bin"
  # Built beside and renamed into place: a synth running at the same time
  # runs the old binary or the new one, never half of one.
  tmp=$(mktemp "$bin.tmp-XXXXXX")
  stamp=$(mktemp "$bin.stamp-XXXXXX")
  trap 'rm -f "$tmp" "$stamp"' EXIT
  printf '%s' "$env" >"$stamp"
  (cd "$root" && go build -o "$tmp" "./$pkg")
  mv -f "$tmp" "$bin"
  mv -f "$stamp" "$bin.stamp"
  trap - EXIT
fi
exec "$bin" "$@"

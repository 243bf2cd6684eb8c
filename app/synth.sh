#!/bin/sh
# npm run synth [-- -c key=value ...]: synthesize the app with that context
# (README, Configuration; cdk.json holds the rest), then run the access
# matrix and Guard over what was synthesized (cdk.out, every stage), at the
# same time. Only
# context is taken: anything else is refused here, before it reaches a
# step that does not know it.
set -eu
cd "$(dirname "$0")/.."
usage='usage: npm run synth [-- -c key=value ...]'
n=$#
i=0
while [ "$i" -lt "$n" ]; do
  a=$1
  shift
  i=$((i + 1))
  case $a in
    -c | --context)
      if [ "$i" -ge "$n" ]; then
        echo "synth: $a needs a key=value after it; $usage" >&2
        exit 2
      fi
      v=$1
      shift
      i=$((i + 1))
      ;;
    -c=* | --context=*) v=${a#*=} ;;
    *)
      echo "synth: \"$a\" is not context: npm run synth takes only -c key=value (the keys of README, Configuration); $usage" >&2
      exit 2
      ;;
  esac
  case $v in
    ?*=*) ;;
    *)
      echo "synth: context \"$v\" is not key=value; $usage" >&2
      exit 2
      ;;
  esac
  set -- "$@" --context "$v"
done
CDK_DISABLE_CLI_TELEMETRY=1 CDK_DISABLE_VERSION_CHECK=1 cdk synth --no-notices --quiet "$@"
# The two checks read what the synth wrote and nothing of each other's, so
# they run at once (from binaries kept by app/run.sh), each into a file of
# its own; their reports are then shown in order, and either failing fails
# the synth.
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
sh app/run.sh app/accessmatrix >"$out/matrix" 2>&1 &
matrix=$!
status=0
sh app/run.sh app/guardcheck >"$out/guard" 2>&1 || status=$?
wait "$matrix" || status=$?
cat "$out/matrix" "$out/guard"
exit "$status"

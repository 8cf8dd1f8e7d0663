#!/usr/bin/env bash
# fidelity.sh N [SCENARIO.yaml ...] — runs every scenario N times and counts
# false passes (a negative control the harness did not flag), false fails
# (a good profile the harness failed) and, on their own line, runs that
# could not be judged: invalid (the run could not do what it set out to
# do), environment errors, interrupts — neither a false pass nor a false
# fail. The first word of a result line is reports' outcome table.
# Default: the whole catalogue except scenarios labelled slow.
set -uo pipefail
cd "$(dirname "$0")/.."
n=${1:-5}; shift || true
bin=${BIN:-bin/gatecert}
out=${ARTIFACTS:-artifacts}/fidelity
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  for f in scenarios/*.yaml; do grep -q '^labels:.*slow' "$f" || files+=("$f"); done
fi
false_pass=0; false_fail=0; invalid=0; errors=0; total=0
start=$(date +%s)
printf '%-34s %-6s %s\n' scenario expect "results (P=pass F=fail I=invalid E=error S=skip)"
for f in "${files[@]}"; do
  expect=$(sed -n 's/^expect: *//p' "$f"); expect=${expect:-pass}
  name=$(sed -n 's/^name: *//p' "$f")
  line=""
  for i in $(seq 1 "$n"); do
    res=$("$bin" run -q -o "$out" "$f" 2>&1 | grep -E "^(PASS|FAIL|INVALID|ERROR|INTERRUPTED|SKIP)" | head -1)
    total=$((total+1))
    case "$res" in
      PASS*) line+="P"; [ "$expect" = fail ] && false_pass=$((false_pass+1));;
      FAIL*) line+="F"; [ "$expect" = pass ] && false_fail=$((false_fail+1));;
      INVALID*) line+="I"; invalid=$((invalid+1)); echo "  $name run $i: $res" >&2;;
      SKIP*) line+="S";;
      INTERRUPTED*) echo "interrupted" >&2; exit 130;;
      *) line+="E"; errors=$((errors+1)); echo "  $name run $i: $res" >&2;;
    esac
  done
  printf '%-34s %-6s %s\n' "$name" "$expect" "$line"
done
echo "runs: $total  false passes: $false_pass  false fails: $false_fail  wall: $(( $(date +%s) - start ))s"
echo "not judged: invalid $invalid  environment errors $errors"
# Exit as the outcome table: 1 when the harness judged wrongly, 3 when
# some runs could not be judged (the figures above are then incomplete).
[ $false_pass -eq 0 ] && [ $false_fail -eq 0 ] || exit 1
[ $invalid -eq 0 ] && [ $errors -eq 0 ] || exit 3

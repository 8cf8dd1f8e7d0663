#!/usr/bin/env bash
# fidelity.sh N [SCENARIO.yaml ...] — runs every scenario N times and counts
# false passes (a negative control the harness did not flag, or flagged
# for another reason than its flaggedBy), false fails
# (a good profile the harness failed) and, on their own line, runs that
# could not be judged: invalid (the run could not do what it set out to
# do), environment errors — neither a false pass nor a false fail. The
# first word of a result line is reports' outcome table (PASS, FAIL,
# INVALID, ERROR, INTERRUPTED, SKIP). Default: the whole catalogue except
# scenarios labelled slow.
#
# PROVIDER=kind runs on the offline kind toolchain of `make kind-offline`
# (a cluster per run); without it built, it says so and exits 0.
# Writes a Markdown report with the machine's load to $ARTIFACTS/fidelity/
# fidelity.md (docs/fidelity.md holds the measured ones). Exit: 1 when the
# harness judged wrongly, 3 when some runs could not be judged, else 0.
set -uo pipefail
cd "$(dirname "$0")/.."
n=${1:-5}; shift || true
bin=${BIN:-bin/gatecert}
provider=${PROVIDER:-local}
out=${ARTIFACTS:-artifacts}/fidelity
mkdir -p "$out"
report="$out/fidelity.md"
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  for f in scenarios/*.yaml; do grep -q '^labels:.*slow' "$f" || files+=("$f"); done
fi

flags=(-provider "$provider")
if [ "$provider" = kind ]; then
  # shellcheck source=kind-offline/lib.sh
  source scripts/kind-offline/lib.sh
  set +e # lib.sh sets -e: a run that prints no result line is counted, not fatal
  if ! dk version >/dev/null 2>&1 || ! dk image inspect "$NODE_IMAGE" >/dev/null 2>&1 || [ ! -f "$CACHE/metallb-native.yaml" ]; then
    echo "SKIP fidelity on kind: the offline kind toolchain is not built or its daemon is not running (run 'make kind-offline' first)"
    exit 0
  fi
  cfg="$CACHE/ha-3zone.offline.yaml"
  awk -v img="$NODE_IMAGE" '{ print } match($0, /^ *(- )?role: /) { ind = RLENGTH - length("role: "); printf "%" ind "s%s\n", "", "image: " img }' \
    "${KIND_CONFIG:-kind-configs/ha-3zone.yaml}" >"$cfg"
  export PATH="/usr/bin:$BIN:$PATH"
  flags+=(-kind-config "$cfg" -metallb-manifest "$CACHE/metallb-native.yaml")
fi

# cpu prints "busy steal total" ticks from /proc/stat's cpu line.
cpu() { awk '/^cpu /{ idle=$5+$6; steal=$9; t=0; for (i=2;i<=NF;i++) t+=$i; print t-idle-steal, steal, t }' /proc/stat; }
read -r b0 s0 t0 < <(cpu)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
false_pass=0; false_fail=0; invalid=0; errors=0; skipped=0; total=0
start=$(date +%s)
rows=()
printf '%-34s %-6s %s\n' scenario expect "results (P=pass F=fail I=invalid E=error S=skip)"
for f in "${files[@]}"; do
  expect=$(sed -n 's/^expect: *//p' "$f"); expect=${expect:-pass}
  name=$(sed -n 's/^name: *//p' "$f")
  line=""; why=""
  for i in $(seq 1 "$n"); do
    all=$("$bin" run -q -certify "${flags[@]}" -o "$out" "$f" 2>&1)
    res=$(grep -E "^(PASS|FAIL|INVALID|ERROR|INTERRUPTED|SKIP)" <<<"$all" | head -1)
    total=$((total+1))
    if grep -q "FAILED FOR ANOTHER REASON" <<<"$all"; then
      # A control that failed, but not for its flaggedBy: not detected.
      res="WRONG-REASON $(grep "FAILED FOR ANOTHER REASON" <<<"$all" | head -1 | sed 's/^ *//')"
    fi
    case "$res" in
      WRONG-REASON*) line+="W"; false_pass=$((false_pass+1)); why="$res"; echo "  $name run $i: $res" >&2;;
      PASS*) line+="P"; [ "$expect" = fail ] && false_pass=$((false_pass+1));;
      FAIL*) line+="F"; [ "$expect" = pass ] && false_fail=$((false_fail+1));;
      INVALID*) line+="I"; invalid=$((invalid+1)); why="$res"; echo "  $name run $i: $res" >&2;;
      SKIP*) line+="S"; skipped=$((skipped+1)); why="${res#SKIP  }";;
      INTERRUPTED*) echo "interrupted" >&2; exit 130;;
      *) line+="E"; errors=$((errors+1)); why="$res"; echo "  $name run $i: $res" >&2;;
    esac
  done
  printf '%-34s %-6s %s\n' "$name" "$expect" "$line"
  rows+=("| $name | $expect | $line | ${why//|/\\|} |")
done
read -r b1 s1 t1 < <(cpu)
dt=$((t1 - t0)); [ "$dt" -gt 0 ] || dt=1
busy=$(awk -v b=$((b1 - b0)) -v t=$dt 'BEGIN { printf "%.0f", 100*b/t }')
steal=$(awk -v s=$((s1 - s0)) -v t=$dt 'BEGIN { printf "%.1f", 100*s/t }')
wall=$(( $(date +%s) - start ))
summary="runs: $total  false passes: $false_pass  false fails: $false_fail  wall: ${wall}s"
unjudged="not judged: invalid $invalid  environment errors $errors  (skipped $skipped)"
echo "$summary"
echo "$unjudged"
{
  echo "# Fidelity on $provider — $(date -u +%Y-%m-%d\ %H:%M) UTC, commit $commit"
  echo
  echo "$n run(s) of each scenario. **False passes $false_pass, false fails $false_fail**; not judged: invalid $invalid, environment errors $errors; skipped $skipped."
  echo
  echo "Machine: $(nproc) cores, CPU ${busy}% busy and ${steal}% stolen over the ${wall}s; load average $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end."
  echo
  echo "Results: P pass, F fail (flagged), W failed for another reason than its flaggedBy (a false pass), I invalid, E environment error, S skipped."
  echo
  echo "| scenario | expect | results | last reason (wrong reason, invalid, error, skip) |"
  echo "| --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
} >"$report"
echo "report: $report"
[ $false_pass -eq 0 ] && [ $false_fail -eq 0 ] || exit 1
[ $invalid -eq 0 ] && [ $errors -eq 0 ] || exit 3

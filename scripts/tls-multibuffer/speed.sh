#!/usr/bin/env bash
# make tls-multibuffer-speed: the ceiling of multi-buffer TLS on this CPU.
# openssl speed for the handshake's public-key operations, software vs
# QAT_Engine qat_sw (crypto_mb), each with -async_jobs 8 (qat_sw batches
# only what is in flight; with one job it has nothing to batch, shown too).
# openssl speed divides by the process's user CPU time (all threads,
# qat_sw's polling thread included), so a shared machine's load changes it
# less than wall time; uptime and /proc/stat steal are recorded anyway.
# mbcount.so counts crypto_mb batch calls and lanes (proof the engine ran).
# Output: a table on stdout and in $TLS_MB_CACHE/speed/<UTC time>.txt.
set -euo pipefail
CACHE=${TLS_MB_CACHE:-/var/cache/gatecert-tls}
SECONDS_PER=${SPEED_SECONDS:-5}
ALGS=${SPEED_ALGS:-rsa2048 ecdsap256 ecdhx25519}
[ -f "$CACHE/versions" ] || { echo "tls-multibuffer-speed: no build in $CACHE (run make tls-multibuffer)" >&2; exit 1; }
ENGINES=$(sed -n 's/^engines_dir=//p' "$CACHE/versions")
MBCOUNT=$(sed -n 's/^mbcount=//p' "$CACHE/versions")
out=$CACHE/speed/$(date -u +%Y%m%dT%H%M%SZ).txt
mkdir -p "$CACHE/speed"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

steal() { awk '/^cpu /{print $9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
# rate ALG: the figure openssl speed prints last for ALG (sign/s for
# rsa and ecdsa, op/s for ecdh).
rate() {
  case $1 in
    rsa*) awk '/^rsa .* bits/{print $6}' ;;   # "rsa 2048 bits sign verify sign/s verify/s"
    ecdsa*) awk '/^ *256 bits ecdsa/{print $7}' ;;
    ecdh*) awk '/ecdh \(X25519\)/{print $NF}' ;;
  esac
}

# counts DIR: "calls lanes" summed over the mbcount files (first op with calls).
counts() {
  python3 - "$1" <<'PY'
import glob, struct, sys
calls = lanes = 0
for f in glob.glob(sys.argv[1] + "/mbcount.*"):
    b = open(f, "rb").read()
    if b[:6] != b"MBCNT1":
        continue
    for i in range(10):
        c, l = struct.unpack_from("<QQ", b, 8 + 16 * i)
        calls += c; lanes += l
print(calls, lanes)
PY
}

run() { # run LABEL ALG ARGS...: one openssl speed, prints "rate calls lanes"
  local label=$1 alg=$2; shift 2
  local d=$work/$label-$alg
  mkdir -p "$d"
  GATECERT_MBCOUNT_DIR=$d LD_PRELOAD=$MBCOUNT OPENSSL_ENGINES=$ENGINES \
    openssl speed -seconds "$SECONDS_PER" "$@" "$alg" >"$d/out" 2>"$d/err" || { cat "$d/err" >&2; return 1; }
  echo "$(rate "$alg" <"$d/out") $(counts "$d")"
}

s0=($(steal))
{
  echo "# openssl speed, $(date -u +%Y-%m-%dT%H:%M:%SZ), ${SECONDS_PER}s each, user-CPU divisor"
  echo "# $(openssl version); $(grep -E '^(QAT_Engine|crypto_mb|cryptography-primitives)=' "$CACHE/versions" | paste -sd' ')"
  echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); flags: $(sed -n 's/^cpu_flags=//p' "$CACHE/versions")"
  echo "# uptime before: $(uptime | sed 's/.*load/load/')"
  printf '%-11s %14s %14s %14s %14s %10s %9s\n' alg sw sw-async8 qat_sw-async1 qat_sw-async8 speedup avg-batch
  for alg in $ALGS; do
    read -r sw _ _ < <(run sw "$alg")
    read -r swa _ _ < <(run swa "$alg" -async_jobs 8)
    read -r e1 _ _ < <(run e1 "$alg" -engine qatengine -async_jobs 1)
    read -r e8 c8 l8 < <(run e8 "$alg" -engine qatengine -async_jobs 8)
    awk -v a="$alg" -v sw="$sw" -v swa="$swa" -v e1="$e1" -v e8="$e8" -v c="$c8" -v l="$l8" 'BEGIN{
      printf "%-11s %14.1f %14.1f %14.1f %14.1f %9.2fx %9.2f\n", a, sw, swa, e1, e8, e8/sw, (c>0?l/c:0)}'
  done
  s1=($(steal))
  echo "# uptime after: $(uptime | sed 's/.*load/load/'); steal during: $(awk -v a="${s0[0]}" -v b="${s1[0]}" -v ta="${s0[1]}" -v tb="${s1[1]}" 'BEGIN{printf "%.1f%%", 100*(b-a)/(tb-ta)}')"
  echo "# speedup = qat_sw-async8 / sw; avg-batch = crypto_mb lanes per batch call (mbcount.so) in the async8 run"
} | tee "$out"

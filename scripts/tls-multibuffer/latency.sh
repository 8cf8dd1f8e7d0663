#!/usr/bin/env bash
# latency.sh: TLS 1.3 handshake latency of asynch-nginx (one worker, no CPU
# limit, RSA-2048 or ECDSA P-256 certificate, `return 200`) without and with
# the multi-buffer engine, at 1, 8 and 64 concurrent handshakes (hslat, a
# closed loop on 127.0.0.1), with the crypto_mb batch counts of each run.
# Needs make tls-multibuffer and Go. Usage: latency.sh [rsa|ecdsa] [secs]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${TLS_MB_CACHE:-/var/cache/gatecert-tls}
KEY=${1:-rsa}
SECS=${2:-5}
PORT=${PORT:-18443}
v() { sed -n "s/^$1=//p" "$CACHE/versions"; }
[ -f "$CACHE/versions" ] || { echo "latency: no build in $CACHE (run make tls-multibuffer)" >&2; exit 1; }
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
(cd "$HERE/../.." && ${GO:-go} build -o "$work/hslat" ./scripts/tls-multibuffer/hslat)
case $KEY in
  rsa) openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/k.pem" -out "$work/c.pem" -days 1 -subj /CN=gatecert 2>/dev/null ;;
  ecdsa) openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/k.pem" -out "$work/c.pem" -days 1 -subj /CN=gatecert 2>/dev/null ;;
  *) echo "latency: key rsa or ecdsa" >&2; exit 2 ;;
esac

conf() { # conf ENGINE(0|1)
  local engine=$1
  echo "daemon off; master_process on; worker_processes 1; pid $work/nginx.pid; error_log $work/error.log warn;"
  if [ "$engine" = 1 ]; then
    echo "load_module $(v nginx_engine_module);"
    echo "ssl_engine { use_engine qatengine; default_algorithms RSA,EC,DH,PKEY_CRYPTO;"
    echo "  qat_engine { qat_offload_mode async; qat_notify_mode poll; qat_poll_mode internal; qat_sw_fallback off; } }"
  fi
  echo "events { worker_connections 4096; }"
  echo "http { access_log off; client_body_temp_path $work/t; proxy_temp_path $work/t; fastcgi_temp_path $work/t; uwsgi_temp_path $work/t; scgi_temp_path $work/t;"
  echo "  server { listen 127.0.0.1:$PORT ssl backlog=4096; ssl_certificate $work/c.pem; ssl_certificate_key $work/k.pem;"
  echo "    ssl_protocols TLSv1.3; ssl_session_tickets off; ssl_session_cache off;"
  [ "$engine" = 1 ] && echo "    ssl_asynch on;"
  echo "    location / { return 200 ok; } } }"
}

sum_counts() { # "sign-calls sign-lanes" over mbcount files in $1 (op 0 rsa, op 2 p256 sign)
  python3 - "$1" "$KEY" <<'PY'
import glob, struct, sys
op = 0 if sys.argv[2] == "rsa" else 2
c = l = 0
for f in glob.glob(sys.argv[1] + "/mbcount.*"):
    b = open(f, "rb").read()
    if b[:6] == b"MBCNT1":
        x, y = struct.unpack_from("<QQ", b, 8 + 16 * op); c += x; l += y
print(c, l)
PY
}

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) key $KEY, ${SECS}s per point; load: $(uptime | sed 's/.*load/load/')"
for engine in 0 1; do
  mkdir -p "$work/t" "$work/mb$engine"
  conf $engine >"$work/nginx$engine.conf"
  OPENSSL_ENGINES=$(v engines_dir) LD_PRELOAD=$(v mbcount) GATECERT_MBCOUNT_DIR=$work/mb$engine \
    "$(v nginx_bin)" -p "$work" -c "$work/nginx$engine.conf" -e "$work/error.log" >"$work/out$engine.log" 2>&1 &
  pid=$!
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
  label=software; [ "$engine" = 1 ] && label=multibuffer
  for c in 1 8 64; do
    read -r c0 l0 < <(sum_counts "$work/mb$engine")
    line=$("$work/hslat" -addr 127.0.0.1:$PORT -c $c -d ${SECS}s)
    read -r c1 l1 < <(sum_counts "$work/mb$engine")
    echo "$label $line; sign batches $((c1 - c0)) for $((l1 - l0)) signatures"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
done

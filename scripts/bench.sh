#!/usr/bin/env bash
# scripts/bench.sh — `make bench`: gatecert's load generator against vegeta
# and wrk on one local nginx target, in one run, so the ratios compare like
# with like on a noisy shared machine. Prints:
#   - the highest rate each open-model generator sustains (ours with the full
#     ledger on) and wrk's closed-loop maximum, with the ratios;
#   - ledger bytes per request; peak RSS over 10 million ledger records;
#   - CPU per request (ours and vegeta at one common rate, wrk at its max);
#   - intended-time accuracy (send lag) at 5000 req/s;
#   - Go benchmarks of the hot paths.
# Every tool sends POST without a body (gatecert's non-replayable default;
# wrk through a one-line Lua script).
# "Sustained": no errors, nothing left unsent, achieved send rate >= 99% of
# offered and send-lag p99 < BENCH_MAX_LAG (for ours also no saturation
# report). Vegeta's send lag comes from its results file: hit i was due at
# t0 + i/rate, and vegeta stamps a result when a worker picks the hit up.
# CPU per request is measured where both open-model generators keep up: at
# the lower of the two maxima (or BENCH_CPU_RATE).
# Knobs (environment): BENCH_DURATION (5s), BENCH_CPU_RATE, BENCH_SOAK (60s),
# BENCH_MAX_LAG (5ms), BENCH_PORT (18491), BENCH_NGINX_WORKERS (1),
# BENCH_RATES (the ascending probe list).
set -euo pipefail
cd "$(dirname "$0")/.."

DUR=${BENCH_DURATION:-5s}
MAX_LAG=${BENCH_MAX_LAG:-5ms}
PORT=${BENCH_PORT:-18491}
WORKERS=${BENCH_NGINX_WORKERS:-1}
RATES=${BENCH_RATES:-"5000 10000 20000 30000 40000 50000 60000 80000 100000 130000"}
GO=${GO:-go}
TARGET=127.0.0.1:$PORT
PATH=$PATH:/usr/sbin:/sbin

tmp=$(mktemp -d /tmp/gatecert-bench.XXXXXX)
cleanup() {
	if [[ -f $tmp/nginx.pid ]]; then kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

for c in nginx wrk jq; do
	command -v $c >/dev/null || { echo "bench: $c not installed (make deps)"; exit 1; }
done

# --- target: nginx answering 200 from memory ---------------------------------
mkdir -p "$tmp/logs"
cat >"$tmp/nginx.conf" <<CONF
worker_processes $WORKERS;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $tmp/body; proxy_temp_path $tmp/proxy;
  fastcgi_temp_path $tmp/fcgi; uwsgi_temp_path $tmp/uwsgi; scgi_temp_path $tmp/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  server {
    listen $TARGET backlog=4096;
    location / { return 200 "ok\n"; }
  }
}
CONF
nginx -p "$tmp" -c "$tmp/nginx.conf"
for _ in $(seq 50); do curl -fs "http://$TARGET/" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://$TARGET/" >/dev/null || { echo "bench: nginx did not come up"; cat "$tmp/logs/error.log"; exit 1; }

echo "== building"
mkdir -p "$tmp/bin"
$GO build -o "$tmp/bin/benchload" ./loadgen/internal/benchload
# The same module as `go run github.com/tsenart/vegeta/v12@v12.13.0`,
# installed once so its compile time stays out of the CPU figures.
GOBIN=$tmp/bin $GO install github.com/tsenart/vegeta/v12@v12.13.0
VEGETA=$tmp/bin/vegeta

# --- helpers ---------------------------------------------------------------
# settle waits (at most 70 s) until fewer than 2000 sockets to the target
# are in TIME-WAIT. A saturated probe (vegeta opens a connection per
# request when its workers pile up) leaves tens of thousands behind for
# 60 s; the next probe then fails to connect and its figure measures the
# previous probe, not the tool (seen: vegeta 433/s at 25000/s right after
# 30000/s, having sustained 20000/s).
settle() {
	local n i
	for i in $(seq 70); do
		n=$(ss -Htan state time-wait "( dport = :$PORT or sport = :$PORT )" 2>/dev/null | wc -l)
		((n < 2000)) && return 0
		((i == 1)) && echo "  (waiting for $n TIME-WAIT sockets of the last probe to expire)" >&2
		sleep 1
	done
}
ours() { # rate [duration] -> JSON line
	settle
	"$tmp/bin/benchload" -target "$TARGET" -rate "$1" -duration "${2:-$DUR}" -max-lag "$MAX_LAG"
}
sustained() { jq -e '.sustained' <<<"$1" >/dev/null; }
veg() { # rate -> JSON line judged like ours, from vegeta's results file
	settle
	echo "POST http://$TARGET/" | "$VEGETA" attack -rate "$1/s" -duration "$DUR" -timeout 5s >"$tmp/veg-search.bin"
	"$tmp/bin/benchload" -vegeta "$tmp/veg-search.bin" -rate "$1" -max-lag "$MAX_LAG"
}
# search NAME RUN: probe RATES upwards, then bisect twice between the
# last sustained (or 0) and the first failed rate; prints the best rate.
search() {
	local name=$1 run=$2 good=0 bad=0 out r
	for r in $RATES; do
		out=$($run "$r")
		echo "  $name $r/s: $(summary "$name" "$out")" >&2
		if sustained "$out"; then good=$r; else bad=$r; break; fi
	done
	if ((bad > 0)); then # also below the first probe when that failed
		for _ in 1 2; do
			r=$(((good + bad) / 2))
			out=$($run "$r")
			echo "  $name $r/s: $(summary "$name" "$out")" >&2
			if sustained "$out"; then good=$r; else bad=$r; fi
		done
	fi
	echo "$good"
}
summary() {
	jq -r '"achieved \(.achieved|floor)/s, ok \(.ok), failed \(.failed), send lag p99 \(.lagP99us)µs -> sustained \(.sustained) (without the lag bound: \(.achieving))"' <<<"$2"
}
cpu_secs() { awk '{ print $1 + $2 }' "$1"; } # /usr/bin/time -f '%U %S' output

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "== target: nginx $(nginx -v 2>&1 | cut -d/ -f2), $WORKERS worker(s), return 200, on $TARGET; runs of $DUR"

echo "== max sustained rate: gatecert (full ledger)"
OURS_MAX=$(search ours ours)
echo "== max sustained rate: vegeta v12.13.0"
VEG_MAX=$(search vegeta veg)
echo "== wrk closed-loop maximum (2 threads, 64 connections)"
echo 'wrk.method = "POST"' >"$tmp/post.lua"
WRK_OUT=$(wrk -t2 -c64 -d"$DUR" -s "$tmp/post.lua" "http://$TARGET/")
WRK_MAX=$(awk '/Requests\/sec/ {printf "%d", $2}' <<<"$WRK_OUT")
echo "  wrk: $WRK_MAX/s"

CPU_RATE=${BENCH_CPU_RATE:-$((OURS_MAX < VEG_MAX ? OURS_MAX : VEG_MAX))}
((CPU_RATE > 0)) || CPU_RATE=1000
echo "== CPU per request at $CPU_RATE/s"
OURS_CPU=$(ours "$CPU_RATE")
settle
echo "POST http://$TARGET/" | /usr/bin/time -f '%U %S' -o "$tmp/veg.time" \
	"$VEGETA" attack -rate "$CPU_RATE/s" -duration "$DUR" >"$tmp/veg.bin"
VEG_CPU_T=$(cpu_secs "$tmp/veg.time")
VEG_CPU_N=$("$VEGETA" report -type json <"$tmp/veg.bin" | jq '.requests')
VEG_CPU_OK=$("$VEGETA" report -type json <"$tmp/veg.bin" | jq '.success')
echo "  ours: $(summary ours "$OURS_CPU"); vegeta: $VEG_CPU_N requests, success ratio $VEG_CPU_OK"
settle
/usr/bin/time -f '%U %S' -o "$tmp/wrk.time" wrk -t2 -c64 -d"$DUR" -s "$tmp/post.lua" "http://$TARGET/" >"$tmp/wrk.txt"
WRK_CPU_T=$(cpu_secs "$tmp/wrk.time")
WRK_CPU_N=$(awk '/requests in/ {print $1}' "$tmp/wrk.txt")

echo "== intended-time accuracy at 5000/s for 10s"
ACC=$(ours 5000 10s)
echo "  $(summary ours "$ACC"); lag p50 $(jq .lagP50us <<<"$ACC")µs, max $(jq .lagMaxUs <<<"$ACC")µs"

echo "== memory over a long run: ${BENCH_SOAK:-60s} at 2000/s (RSS sampled every 5 s)"
SOAK=$(ours 2000 "${BENCH_SOAK:-60s}")
echo "  $(summary ours "$SOAK"); RSS MiB $(jq -c .rssMiB <<<"$SOAK")"

echo "== peak memory over 10 million records through the ledger Writer"
REC=$("$tmp/bin/benchload" -records 10000000)

echo "== Go benchmarks"
$GO test -run '^$' -bench . -benchtime 1s -benchmem ./ledger ./loadgen 2>&1 | grep -E '^(Benchmark|ok|FAIL)'

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "== results ($(date -u +%Y-%m-%dT%H:%MZ), $(hostname))"
printf '%-52s %s\n' \
	"max sustained rate, gatecert (full ledger)" "$OURS_MAX/s" \
	"max sustained rate, vegeta" "$VEG_MAX/s" \
	"wrk closed-loop max" "$WRK_MAX/s" \
	"ratio gatecert / vegeta" "$(ratio "$OURS_MAX" "$VEG_MAX")" \
	"ratio gatecert / wrk" "$(ratio "$OURS_MAX" "$WRK_MAX")" \
	"ledger bytes per request" "$(jq .bytesPerReq <<<"$REC")" \
	"peak RSS (VmHWM), 10M records via Writer" "$(jq '.peakRSSBytes/1048576|floor' <<<"$REC") MiB" \
	"peak RSS (VmHWM), gatecert at $CPU_RATE/s" "$(jq '.peakRSSBytes/1048576|floor' <<<"$OURS_CPU") MiB" \
	"RSS every 5 s, ${BENCH_SOAK:-60s} at 2000/s" "$(jq -c .rssMiB <<<"$SOAK") MiB" \
	"CPU per request, gatecert at $CPU_RATE/s" "$(jq '.cpuPerReqUs*10|floor/10' <<<"$OURS_CPU") µs" \
	"CPU per request, vegeta at $CPU_RATE/s" "$(awk -v t="$VEG_CPU_T" -v n="$VEG_CPU_N" -v ok="$VEG_CPU_OK" 'BEGIN{ if (ok < 0.99) printf "n/a (success %.1f%%: the run failed)", ok*100; else printf "%.1f µs", t/n*1e6 }')" \
	"CPU per request, wrk at its max" "$(awk -v t="$WRK_CPU_T" -v n="$WRK_CPU_N" 'BEGIN{printf "%.1f", t/n*1e6}') µs" \
	"send lag at 5000/s: p50 / p99 / max" "$(jq -r '"\(.lagP50us) / \(.lagP99us) / \(.lagMaxUs) µs"' <<<"$ACC")"

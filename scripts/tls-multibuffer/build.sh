#!/usr/bin/env bash
# make tls-multibuffer: Intel multi-buffer TLS for the gateway, built from
# source at pinned commits and cached (never part of make test / make run):
#   1. crypto_mb         intel/cryptography-primitives (CMake, NASM)
#   2. qatengine.so      intel/QAT_Engine --enable-qat_sw against the system
#                        OpenSSL 3; AES-GCM via intel-ipsec-mb left out
#   3. mbcount.so        our LD_PRELOAD counter of crypto_mb batch calls
#   4. asynch-nginx      intel/asynch_mode_nginx with ngx_ssl_engine_qat_module
# and writes $TLS_MB_CACHE/versions. Every step is skipped when its stamp
# names the same commit. Sources: each *_SRC is a git URL (cloned bare) or
# an existing git directory (bare or work tree); the pinned commit is
# exported with git archive.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${TLS_MB_CACHE:-/var/cache/gatecert-tls}
CRYPTO_MB_SRC=${CRYPTO_MB_SRC:-https://github.com/intel/cryptography-primitives.git}
QAT_ENGINE_SRC=${QAT_ENGINE_SRC:-https://github.com/intel/QAT_Engine.git}
ASYNC_NGINX_SRC=${ASYNC_NGINX_SRC:-https://github.com/intel/asynch_mode_nginx.git}
# Pinned: cryptography-primitives v1.0.0, QAT_Engine v1.9.0,
# asynch_mode_nginx v0.5.3 (nginx 1.26.2).
CRYPTO_MB_COMMIT=${CRYPTO_MB_COMMIT:-e3d4084720f6047b8338a0855e345aa5c3c3c8f2}
QAT_ENGINE_COMMIT=${QAT_ENGINE_COMMIT:-910240d9c79510206b2c17728d8caf07e10a6f10}
ASYNC_NGINX_COMMIT=${ASYNC_NGINX_COMMIT:-c37d7ef11d34ed82988d232f1545dcbbe868ed57}
# QAT_SW_ANY_CPU=1: drop QAT_Engine's GenuineIntel test (patch-qat-engine.sh)
# so qat_sw also runs on non-Intel CPUs with the flags (e.g. AMD Zen 4/5).
QAT_SW_ANY_CPU=${QAT_SW_ANY_CPU:-0}
JOBS=${JOBS:-2}
NICE=(nice -n 19)
APT_DEPS=(git ca-certificates build-essential cmake nasm pkg-config libssl-dev
  autoconf automake libtool libpcre3-dev zlib1g-dev openssl)

log() { printf 'tls-multibuffer: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# CPU: crypto_mb's AVX-512 code paths need these flags (QAT_Engine
# docs/qat_sw.md). Building elsewhere works, running does not pay off.
cpu_flags() {
  local f out=""
  for f in avx512f avx512ifma vaes vpclmulqdq avx2; do
    grep -qw "$f" /proc/cpuinfo && out="$out $f" || out="$out !$f"
  done
  echo "${out# }"
}

deps() {
  local missing=() p
  for p in "${APT_DEPS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  [ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]} (run as root)"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >/dev/null
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
}

# export NAME SRC COMMIT DEST: the commit's tree into DEST (fresh).
export_src() {
  local name=$1 src=$2 commit=$3 dest=$4 gitdir
  if [ -d "$src" ]; then
    gitdir=$src
    [ -d "$src/.git" ] && gitdir=$src/.git
  else
    gitdir=$CACHE/src/$name.git
    if ! git --git-dir "$gitdir" cat-file -e "$commit^{commit}" 2>/dev/null; then
      log "$name: cloning $src"
      rm -rf "$gitdir"
      git clone --bare --quiet "$src" "$gitdir"
    fi
  fi
  git --git-dir "$gitdir" cat-file -e "$commit^{commit}" 2>/dev/null ||
    die "$name: commit $commit not in $src"
  rm -rf "$dest"
  mkdir -p "$dest"
  git --git-dir "$gitdir" archive "$commit" | tar -x -C "$dest"
}

# fresh STEP KEY: true when STEP's stamp does not hold KEY (must rebuild).
fresh() { [ "$(cat "$CACHE/stamps/$1" 2>/dev/null)" != "$2" ]; }
stamp() { echo "$2" >"$CACHE/stamps/$1"; }

PREFIX=$CACHE/prefix          # crypto_mb: include/, lib/
ENGINES=$CACHE/engines-3      # qatengine.so (OPENSSL_ENGINES points here)
NGINX=$CACHE/nginx            # asynch_mode_nginx: sbin/nginx, modules/

build_crypto_mb() {
  fresh crypto_mb "$CRYPTO_MB_COMMIT" || { log "crypto_mb: cached"; return; }
  local src=$CACHE/build/cryptography-primitives
  export_src cryptography-primitives "$CRYPTO_MB_SRC" "$CRYPTO_MB_COMMIT" "$src"
  log "crypto_mb: building (log: $CACHE/logs/crypto_mb.log)"
  (
    cd "$src/sources/ippcp/crypto_mb"
    "${NICE[@]}" cmake . -B"$src/build-mb" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_INSTALL_PREFIX="$PREFIX"
    cd "$src/build-mb"
    "${NICE[@]}" make -j"$JOBS" crypto_mb
    make install
  ) >"$CACHE/logs/crypto_mb.log" 2>&1 || die "crypto_mb: build failed, see $CACHE/logs/crypto_mb.log"
  # QAT_Engine's configure looks for <dir>/lib/libcrypto_mb.so.
  [ -e "$PREFIX/lib/libcrypto_mb.so" ] || {
    local so
    so=$(find "$PREFIX" -name 'libcrypto_mb.so' | head -1)
    [ -n "$so" ] || die "crypto_mb: libcrypto_mb.so not installed under $PREFIX"
    mkdir -p "$PREFIX/lib"
    for f in "$(dirname "$so")"/libcrypto_mb.so*; do ln -sf "$f" "$PREFIX/lib/"; done
  }
  stamp crypto_mb "$CRYPTO_MB_COMMIT"
}

build_qat_engine() {
  local key="$QAT_ENGINE_COMMIT+$CRYPTO_MB_COMMIT+anycpu=$QAT_SW_ANY_CPU+$(sha256sum <"$HERE/patch-qat-engine.sh" | cut -c1-12)"
  fresh qat_engine "$key" || { log "qat_engine: cached"; return; }
  local src=$CACHE/build/QAT_Engine
  export_src QAT_Engine "$QAT_ENGINE_SRC" "$QAT_ENGINE_COMMIT" "$src"
  # AES-GCM/SHA2 via intel-ipsec-mb is not what is measured (handshakes
  # are RSA/ECDSA/X25519 via crypto_mb): without an ipsec_mb directory
  # configure still adds -DQAT_SW_IPSEC -lIPSec_MB, so drop that default.
  local any=""
  [ "$QAT_SW_ANY_CPU" = 1 ] && any=any-cpu
  "$HERE/patch-qat-engine.sh" "$src" $any
  log "qat_engine: building (log: $CACHE/logs/qat_engine.log)"
  (
    cd "$src"
    "${NICE[@]}" ./autogen.sh
    "${NICE[@]}" ./configure --enable-qat_sw --disable-qat_hw \
      --with-qat_sw_crypto_mb_install_dir="$PREFIX"
    "${NICE[@]}" make -j"$JOBS"
  ) >"$CACHE/logs/qat_engine.log" 2>&1 || die "qat_engine: build failed, see $CACHE/logs/qat_engine.log"
  mkdir -p "$ENGINES"
  install -m 0755 "$src/.libs/qatengine.so" "$ENGINES/qatengine.so"
  stamp qat_engine "$key"
}

build_mbcount() {
  local key
  key=$(cat "$HERE/mbcount.c" | sha256sum | cut -c1-16)+$CRYPTO_MB_COMMIT
  fresh mbcount "$key" || { log "mbcount: cached"; return; }
  log "mbcount: building"
  mkdir -p "$ENGINES"
  "${NICE[@]}" cc -O2 -fPIC -shared -Wall -Werror -o "$ENGINES/mbcount.so" \
    "$HERE/mbcount.c" -ldl || die "mbcount: build failed"
  stamp mbcount "$key"
}

build_nginx() {
  fresh asynch_nginx "$ASYNC_NGINX_COMMIT" || { log "asynch-nginx: cached"; return; }
  local src=$CACHE/build/asynch_mode_nginx
  export_src asynch_mode_nginx "$ASYNC_NGINX_SRC" "$ASYNC_NGINX_COMMIT" "$src"
  log "asynch-nginx: building (log: $CACHE/logs/asynch_nginx.log)"
  (
    cd "$src"
    "${NICE[@]}" ./configure --prefix="$NGINX" \
      --with-http_ssl_module \
      --add-dynamic-module=modules/nginx_qat_module \
      --with-cc-opt="-DNGX_SECURE_MEM -Wno-error=deprecated-declarations"
    "${NICE[@]}" make -j"$JOBS"
    rm -rf "$NGINX"
    make install
  ) >"$CACHE/logs/asynch_nginx.log" 2>&1 || die "asynch-nginx: build failed, see $CACHE/logs/asynch_nginx.log"
  stamp asynch_nginx "$ASYNC_NGINX_COMMIT"
}

write_versions() {
  local v=$CACHE/versions
  {
    echo "# gatecert tls-multibuffer build; written by scripts/tls-multibuffer/build.sh"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "cryptography-primitives=$CRYPTO_MB_COMMIT"
    echo "crypto_mb=$(awk '/#define MBX_VER_(MAJOR|MINOR|PATCH)/{printf "%s%s", sep, $3; sep="."}' \
      "$PREFIX/include/crypto_mb/version.h" 2>/dev/null)"
    echo "QAT_Engine=$QAT_ENGINE_COMMIT"
    echo "asynch_mode_nginx=$ASYNC_NGINX_COMMIT"
    echo "nginx=$("$NGINX/sbin/nginx" -v 2>&1 | sed 's/.*nginx\///')"
    echo "openssl=$(openssl version | tr ' ' _)"
    echo "engine_id=qatengine"
    # on: upstream, qat_sw only on GenuineIntel; off: QAT_SW_ANY_CPU=1.
    echo "qat_sw_vendor_check=$([ "$QAT_SW_ANY_CPU" = 1 ] && echo off || echo on)"
    echo "cpu_vendor=$(awk -F': ' '/^vendor_id/{print $2; exit}' /proc/cpuinfo)"
    echo "cpu_flags=$(cpu_flags)"
    echo "cc=$(cc --version | head -1 | tr ' ' _)"
    echo "nasm=$(nasm -v | awk '{print $3}')"
    echo "nginx_bin=$NGINX/sbin/nginx"
    echo "nginx_engine_module=$NGINX/modules/ngx_ssl_engine_qat_module.so"
    echo "engines_dir=$ENGINES"
    echo "mbcount=$ENGINES/mbcount.so"
  } >"$v.tmp"
  mv "$v.tmp" "$v"
}

main() {
  mkdir -p "$CACHE"/{src,build,stamps,logs}
  deps
  log "cpu: $(cpu_flags)"
  build_crypto_mb
  build_qat_engine
  build_nginx
  build_mbcount
  write_versions
  # The engine must load and name itself; a build that cannot is no build.
  OPENSSL_ENGINES=$ENGINES openssl engine -t qatengine >"$CACHE/logs/engine-check.log" 2>&1 ||
    die "qatengine does not load: $(tail -3 "$CACHE/logs/engine-check.log")"
  log "done: $CACHE/versions"
  sed 's/^/  /' "$CACHE/versions" >&2
}
main "$@"

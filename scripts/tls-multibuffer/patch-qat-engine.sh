#!/usr/bin/env bash
# patch-qat-engine.sh SRC_DIR [any-cpu]
#
# 1. configure.ac: with --enable-qat_sw and no
# --with-qat_sw_ipsec_mb_install_dir, QAT_Engine's configure.ac still
# defines QAT_SW_IPSEC and links -lIPSec_MB (AES-GCM/SHA2 via
# intel-ipsec-mb). gatecert measures handshakes (RSA, ECDSA, X25519 via
# crypto_mb), so that default becomes "no ipsec_mb". The patch must apply
# exactly once: a changed upstream fails here instead of building
# something else.
#
# 2. with "any-cpu": e_qat.c's qat_sw_cpu_support() returns 0 unless the
# CPU vendor is GenuineIntel, whatever its flags, and the engine then
# hands every operation to OpenSSL in software without a word. crypto_mb
# itself selects its code by CPU flags. any-cpu drops the vendor test (the
# flag tests stay), so qat_sw runs on any CPU with AVX512F/AVX2, VAES and
# VPCLMULQDQ (e.g. AMD Zen 4/5, which also have AVX-512 IFMA). Not Intel's
# supported configuration: the versions file says so.
set -euo pipefail
src=$1
f=$src/configure.ac
n=$(grep -c 'AC_SUBST(\[cflags_qat_sw_ipsec\], \["-DQAT_SW_IPSEC"\])' "$f" || true)
[ "$n" = 2 ] || { echo "patch-qat-engine: expected 2 QAT_SW_IPSEC defaults in $f, found $n" >&2; exit 1; }
# The second occurrence is the no-directory default.
awk '
  /AC_SUBST\(\[cflags_qat_sw_ipsec\], \["-DQAT_SW_IPSEC"\]\)/ && ++seen == 2 {
    sub(/\["-DQAT_SW_IPSEC"\]/, "[\"\"]"); print; next }
  /AC_SUBST\(\[QAT_SW_IPSEC_MB_LIB\], \["-lIPSec_MB"\]\)/ { sub(/\["-lIPSec_MB"\]/, "[\"\"]"); print; next }
  /AC_SUBST\(\[includes_qat_sw_ipsec_mb\], \["-I\/usr\/include"\]\)/ { sub(/\["-I\/usr\/include"\]/, "[\"\"]"); print; next }
  { print }' "$f" >"$f.new"
grep -q 'AC_SUBST(\[QAT_SW_IPSEC_MB_LIB\], \[""\])' "$f.new" || { echo "patch-qat-engine: -lIPSec_MB default not found" >&2; exit 1; }
mv "$f.new" "$f"

if [ "${2:-}" = any-cpu ]; then
  c=$src/e_qat.c
  n=$(grep -c 'if (\*ebx != Genu || \*ecx != ntel || \*edx != ineI)' "$c" || true)
  [ "$n" = 1 ] || { echo "patch-qat-engine: expected 1 GenuineIntel test in $c, found $n" >&2; exit 1; }
  sed -i 's/if (\*ebx != Genu || \*ecx != ntel || \*edx != ineI)/if (0 \&\& (*ebx != Genu || *ecx != ntel || *edx != ineI)) \/* gatecert any-cpu *\//' "$c"
  grep -q 'gatecert any-cpu' "$c" || { echo "patch-qat-engine: vendor test not patched" >&2; exit 1; }
fi

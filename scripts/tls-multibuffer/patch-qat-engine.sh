#!/usr/bin/env bash
# patch-qat-engine.sh CONFIGURE_AC: with --enable-qat_sw and no
# --with-qat_sw_ipsec_mb_install_dir, QAT_Engine's configure.ac still
# defines QAT_SW_IPSEC and links -lIPSec_MB (AES-GCM/SHA2 via
# intel-ipsec-mb). gatecert measures handshakes (RSA, ECDSA, X25519 via
# crypto_mb), so that default becomes "no ipsec_mb". The patch must apply
# exactly once: a changed upstream fails here instead of building
# something else.
set -euo pipefail
f=$1
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

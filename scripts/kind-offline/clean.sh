#!/usr/bin/env bash
# make kind-offline-clean: deletes the clusters on the private daemon, stops
# it and removes its data root and the toolchain cache (the next
# `make kind-offline` is cold again, apart from Go's module and build caches).
source "$(dirname "$0")/lib.sh"
export PATH="/usr/bin:$PATH"
if dk version >/dev/null 2>&1 && [[ -x $BIN/kind ]]; then
  for c in $("$BIN/kind" get clusters 2>/dev/null); do
    log "deleting kind cluster $c"
    "$BIN/kind" delete cluster --name "$c" >/dev/null || true
  done
fi
# kind's network is a bridge on the host: remove it while the daemon runs.
if dk version >/dev/null 2>&1 && dk network inspect kind >/dev/null 2>&1; then
  dk network rm kind >/dev/null || true
fi
"$HERE/docker-down.sh"
# Mounts dockerd may have left behind under its roots.
for m in $(awk -v a="$DOCKER_ROOT" -v b="$DOCKER_EXEC" '$2 ~ "^"a || $2 ~ "^"b {print $2}' /proc/mounts | sort -r); do
  umount -l "$m" 2>/dev/null || true
done
log "removing $DOCKER_ROOT $DOCKER_EXEC $CACHE"
rm -rf "$DOCKER_ROOT" "$DOCKER_EXEC" "$CACHE"

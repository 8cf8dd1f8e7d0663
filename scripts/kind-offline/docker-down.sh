#!/usr/bin/env bash
# Stops the private Docker daemon (idempotent). Its data root stays, so the
# images built by build-images.sh survive; kind-offline-clean removes them.
source "$(dirname "$0")/lib.sh"
[[ -f $DOCKER_PID ]] || { log "docker: not running"; exit 0; }
pid=$(cat "$DOCKER_PID")
if kill -0 "$pid" 2>/dev/null; then
  log "docker: stopping dockerd pid $pid"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && die "dockerd pid $pid still alive after 30 s"
fi
rm -f "$DOCKER_PID"
log "docker: stopped"

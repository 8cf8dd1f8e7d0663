#!/usr/bin/env bash
# Starts the private Docker daemon of the offline kind path (idempotent):
# Debian's docker.io with its own data root, exec root and socket, no
# iptables rules and no default bridge (the host firewall is left alone), and
# the CAP_SYS_RESOURCE-stripping runc wrapper as the default runtime.
source "$(dirname "$0")/lib.sh"

ensure_pkgs() {
  local missing=() p
  for p in docker.io debootstrap containerd runc containernetworking-plugins; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return
  [[ $(id -u) == 0 ]] || die "missing Debian packages: ${missing[*]} (run as root)"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
  # The package may have started the system daemon; this path never uses it.
  (service docker stop || true) >/dev/null 2>&1
}

ensure_pkgs
mkdir -p "$BIN"
install -m 0755 "$HERE/runc-wrapper.sh" "$BIN/gatecert-runc"

if dk version >/dev/null 2>&1; then log "docker: already running on $DOCKER_SOCK"; exit 0; fi
if [[ -f $DOCKER_PID ]] && kill -0 "$(cat "$DOCKER_PID")" 2>/dev/null; then
  die "dockerd pid $(cat "$DOCKER_PID") is alive but does not answer on $DOCKER_SOCK; see $DOCKER_LOG"
fi
rm -f "$DOCKER_PID" "$DOCKER_SOCK"
mkdir -p "$DOCKER_ROOT" "$DOCKER_EXEC"
log "docker: starting dockerd (data root $DOCKER_ROOT, socket $DOCKER_SOCK)"
# setsid: the daemon outlives this script and the make that ran it.
setsid /usr/sbin/dockerd \
  --host "unix://$DOCKER_SOCK" \
  --data-root "$DOCKER_ROOT" \
  --exec-root "$DOCKER_EXEC" \
  --pidfile "$DOCKER_PID" \
  --iptables=false --ip-masq=false --ip-forward=false --bridge=none \
  --add-runtime "gatecert-runc=$BIN/gatecert-runc" --default-runtime gatecert-runc \
  --storage-driver overlay2 \
  >>"$DOCKER_LOG" 2>&1 </dev/null &
for _ in $(seq 1 60); do
  if dk version >/dev/null 2>&1; then log "docker: up ($(dk version -f '{{.Server.Version}}'))"; exit 0; fi
  sleep 0.5
done
tail -20 "$DOCKER_LOG" >&2
die "dockerd did not answer on $DOCKER_SOCK within 30 s"

#!/usr/bin/env bash
# Proves the offline toolchain: creates a 1 control-plane + 3 worker cluster
# with zone labels from the node image (kind CLI built from sigs.k8s.io/kind),
# deploys a zone-spread Deployment, checks Service routing and DNS from a pod
# on every worker, then deletes the cluster (KEEP=1 keeps it).
# Usage: smoke.sh [KIND-CONFIG]
source "$(dirname "$0")/lib.sh"
export PATH="/usr/bin:$PATH" # Debian's docker CLI, matching the daemon
NAME=${KIND_OFFLINE_SMOKE_NAME:-gatecert-smoke}
CONFIG=${1:-$IMAGES/smoke-cluster.yaml}
KCFG="$CACHE/$NAME.kubeconfig"
kc() { "$BIN/kubectl" --kubeconfig "$KCFG" "$@"; }

"$BIN/kind" delete cluster --name "$NAME" >/dev/null 2>&1 || true
if [[ ${KEEP:-0} != 1 ]]; then trap '"$BIN/kind" delete cluster --name "$NAME" >/dev/null 2>&1' EXIT; fi

t0=$(date +%s%N)
"$BIN/kind" create cluster --name "$NAME" --image "$NODE_IMAGE" --config "$CONFIG" \
  --kubeconfig "$KCFG" --wait 5m
t1=$(date +%s%N)
create=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
log "cluster $NAME created and Ready in $create s"
kc get nodes -L topology.kubernetes.io/zone

"$BIN/kind" load docker-image --name "$NAME" gatecert/echo:dev >/dev/null
kc apply -f "$IMAGES/smoke-echo.yaml" >/dev/null
kc rollout status deployment/echo --timeout 3m
log "echo pods per zone:"
declare -A zone
while read -r n z; do zone[$n]=$z; done < <(kc get nodes -o jsonpath='{range .items[*]}{.metadata.name} {.metadata.labels.topology\.kubernetes\.io/zone}{"\n"}{end}')
kc get pods -l app=echo -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' |
  while read -r n; do echo "${zone[$n]:-none}"; done | sort | uniq -c

# From a pod on every worker: the Service by DNS name, through kube-proxy, to
# backends on every node (so cross-node pod routing works too).
fail=0
for n in $(kc get nodes -l '!node-role.kubernetes.io/control-plane' -o name); do
  n=${n#node/}
  kc run "probe-$n" --restart=Never --image=gatecert/echo:dev --image-pull-policy=IfNotPresent \
    --overrides="{\"spec\":{\"nodeName\":\"$n\"}}" --command -- sh -c \
    'for i in $(seq 1 30); do curl -s -o /dev/null -w "%header{x-gatecert-zone}\n" http://echo.default.svc.cluster.local/ || echo FAIL; done' >/dev/null
done
for n in $(kc get nodes -l '!node-role.kubernetes.io/control-plane' -o name); do
  n=${n#node/}
  kc wait --for=jsonpath='{.status.phase}'=Succeeded "pod/probe-$n" --timeout 2m >/dev/null || fail=1
  # Served-by node of each of 30 requests, mapped to its zone.
  out=$(kc logs "probe-$n" | while read -r s; do echo "${zone[$s]:-$s}"; done | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
  log "30 requests from a pod on $n (${zone[$n]}) served in zones: $out"
  [[ $out == *FAIL* || -z $out ]] && fail=1
  kc delete pod "probe-$n" --wait=false >/dev/null
done
[[ $fail == 0 ]] || die "Service requests failed"
log "smoke: OK (create $create s)"

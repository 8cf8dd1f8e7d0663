#!/bin/sh
# gatecert-cni: runs on every node (hostNetwork, privileged). Every few seconds:
# - writes /etc/cni/net.d/10-gatecert.conflist (Debian's ptp + host-local) for
#   this node's podCIDR, once it is known;
# - routes every other node's podCIDR via that node's InternalIP;
# - masquerades pod traffic leaving the pod network (nftables table
#   ip gatecert_cni), so pods can reach addresses outside the cluster.
set -u
CA=/var/run/secrets/kubernetes.io/serviceaccount/ca.crt
TOKEN_FILE=/var/run/secrets/kubernetes.io/serviceaccount/token
# kind patches CONTROL_PLANE_ENDPOINT in, so this works before kube-proxy does.
API="https://${CONTROL_PLANE_ENDPOINT:-${KUBERNETES_SERVICE_HOST}:${KUBERNETES_SERVICE_PORT}}"
CONF=/etc/cni/net.d/10-gatecert.conflist
: "${NODE_NAME:?NODE_NAME is not set}"
: "${POD_SUBNET:?POD_SUBNET is not set}"
INTERVAL=${INTERVAL:-3}

log() { echo "$(date -u +%H:%M:%S) gatecert-cni: $*"; }

write_conf() { # $1 = this node's podCIDR
	want=$(cat <<JSON
{
  "cniVersion": "0.4.0",
  "name": "gatecert",
  "plugins": [
    {
      "type": "ptp",
      "ipMasq": false,
      "mtu": 1500,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$1" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "/run/cni-ipam-state"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
)
	if [ "$(cat "$CONF" 2>/dev/null)" != "$want" ]; then
		printf '%s\n' "$want" >"$CONF.tmp" && mv "$CONF.tmp" "$CONF"
		log "wrote $CONF for $1"
	fi
}

masquerade() {
	nft list table ip gatecert_cni >/dev/null 2>&1 && return
	nft -f - <<NFT && log "masquerade $POD_SUBNET -> elsewhere"
table ip gatecert_cni {
	chain postrouting {
		type nat hook postrouting priority srcnat + 10; policy accept;
		ip saddr $POD_SUBNET ip daddr != $POD_SUBNET masquerade
	}
}
NFT
}

# PID 1 of its container: sh ignores SIGTERM unless trapped (a node's
# shutdown would otherwise wait 90 s for this scope).
trap 'log "terminated"; exit 0' TERM INT
nap() { sleep "$INTERVAL" & wait $!; }

log "node $NODE_NAME, pod subnet $POD_SUBNET, API $API"
while :; do
	nodes=$(curl -sf --max-time 5 --cacert "$CA" -H "Authorization: Bearer $(cat "$TOKEN_FILE")" "$API/api/v1/nodes")
	if [ -z "$nodes" ]; then
		log "cannot list nodes yet"
		nap
		continue
	fi
	masquerade
	printf '%s' "$nodes" | jq -r '.items[] | [.metadata.name, (.spec.podCIDR // "-"),
		([.status.addresses[]? | select(.type == "InternalIP") | .address | select(test(":") | not)][0] // "-")] | @tsv' |
		while read -r name cidr ip; do
			[ "$cidr" = "-" ] && continue
			if [ "$name" = "$NODE_NAME" ]; then
				write_conf "$cidr"
			elif [ "$ip" != "-" ]; then
				cur=$(ip -4 route show "$cidr")
				case "$cur" in
				*"via $ip "*) ;;
				*) ip route replace "$cidr" via "$ip" && log "route $cidr via $ip ($name)" ;;
				esac
			fi
		done
	nap
done

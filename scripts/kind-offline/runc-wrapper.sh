#!/bin/sh
# Docker's default runtime on the gatecert private daemon: runc, after taking
# CAP_SYS_RESOURCE out of the container's OCI spec. This VM withholds that
# capability, so `docker run --privileged` (every kind node) otherwise fails
# with "unable to apply caps". Docker's spec is one line of JSON.
bundle=""
prev=""
for a in "$@"; do
	case "$prev" in --bundle | -b) bundle=$a ;; esac
	case "$a" in --bundle=*) bundle=${a#--bundle=} ;; esac
	prev=$a
done
if [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then
	sed -i -e 's/"CAP_SYS_RESOURCE",//g' -e 's/,"CAP_SYS_RESOURCE"//g' \
		-e 's/"CAP_SYS_RESOURCE"//g' "$bundle/config.json"
fi
exec /usr/bin/runc "$@"

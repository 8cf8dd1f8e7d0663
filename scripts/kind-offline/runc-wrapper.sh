#!/bin/sh
# Docker's default runtime on the gatecert private daemon: runc, after taking
# CAP_SYS_RESOURCE out of the container's OCI spec (`create`/`run`: the
# bundle's config.json) and out of an exec'd process (`exec --process FILE`).
# This VM withholds that capability, so `docker run --privileged` (every kind
# node) and `docker exec --privileged` otherwise fail with "unable to apply
# caps". Docker writes both files as one line of JSON.
strip() {
	[ -f "$1" ] && sed -i -e 's/"CAP_SYS_RESOURCE",//g' -e 's/,"CAP_SYS_RESOURCE"//g' \
		-e 's/"CAP_SYS_RESOURCE"//g' "$1"
}
prev=""
for a in "$@"; do
	case "$prev" in
	--bundle | -b) strip "$a/config.json" ;;
	--process | -p) strip "$a" ;;
	esac
	case "$a" in
	--bundle=*) strip "${a#--bundle=}/config.json" ;;
	--process=*) strip "${a#--process=}" ;;
	esac
	prev=$a
done
exec /usr/bin/runc "$@"

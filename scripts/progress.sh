#!/usr/bin/env bash
# progress.sh MODE WHAT: keeps a long `make test` stage from looking like a
# hang. It reads a command's output on stdin and
#   - in mode build, condenses `go build -v` (an import path on a line as
#     each package starts compiling) into a line every 20 s: how many
#     packages so far and the latest; other lines (errors) pass through;
#   - in mode pass, passes every line through;
# and in both, after 30 s without a line, says the stage is still at work.
# PROGRESS_EVERY and PROGRESS_IDLE change the 20 and 30 seconds.
set -uo pipefail
mode=${1:?usage: progress.sh build|pass WHAT} what=${2:-$1}
every=${PROGRESS_EVERY:-20} idle=${PROGRESS_IDLE:-30}
case $mode in build | pass) ;; *) echo "progress.sh: unknown mode $mode" >&2; exit 2 ;; esac
n=0 pkg="" part="" start=$SECONDS last=$SECONDS
say() { printf '    %s: %s (%ds)\n' "$what" "$*" $((SECONDS - start)); last=$SECONDS; }
while :; do
	# read -t times the whole call, so it can end within a line: the part
	# read so far is kept for the next call.
	if IFS= read -r -t "$idle" line; then
		line=$part$line part=""
		if [[ $mode == build && $line =~ ^[A-Za-z0-9_.~/-]+$ ]]; then # an import path
			n=$((n + 1)) pkg=$line
			((SECONDS - last >= every)) && say "$n packages compiled, now $pkg"
		else
			printf '%s\n' "$line"
			last=$SECONDS
		fi
	elif (($? > 128)); then # nothing for $idle seconds
		if [[ -n $line ]]; then
			part+=$line
		elif [[ $mode == build ]]; then
			say "still compiling ${pkg:-...} ($n packages so far)"
		else
			say "still running, nothing printed for ${idle}s"
		fi
	else
		line=$part$line
		[[ -n $line ]] && printf '%s\n' "$line" # a last line without a newline
		break
	fi
done
if [[ $mode == build ]]; then say "$n packages compiled"; fi

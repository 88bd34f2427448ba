# fetch.sh: HTTP for the metadata providers, sourced by /usr/bin/metadata. Every request is
# bounded by $TIMEOUT seconds (LinuxKit's http.Client: 2 s), so no provider can hang the boot;
# a failed request leaves its reason in $why ("URL: what went wrong").
# shellcheck shell=sh

# get URL FILE [HEADER]: the body of a 200 answer into FILE (busybox wget).
get() {
	rm -f "$2"
	if [ -n "$3" ]; then
		timeout "$TIMEOUT" wget -q -O "$2" --header "$3" "$1" 2>/tmp/get.err
	else
		timeout "$TIMEOUT" wget -q -O "$2" "$1" 2>/tmp/get.err
	fi
	rc=$?
	[ $rc -eq 0 ] && return 0
	rm -f "$2"
	if [ $rc -eq 143 ]; then
		why="$1: no answer in ${TIMEOUT}s"
	else
		why="$1: $(sed -n '$s/^wget: //p' /tmp/get.err)"
	fi
	return 1
}

# raw HOST PORT REQUEST FILE [SRCPORT]: an HTTP/1.0 REQUEST (printf %b escapes) sent as it is
# with busybox nc, for what wget cannot send (a PUT, a chosen source port). The body of a 200
# answer goes into FILE; $status is the answer's status code ("" if none).
raw() {
	rm -f "$4"
	status=
	if [ -n "$5" ]; then
		printf '%b' "$3" | timeout "$TIMEOUT" nc -p "$5" "$1" "$2" >/tmp/raw.out 2>/tmp/raw.err
	else
		printf '%b' "$3" | timeout "$TIMEOUT" nc "$1" "$2" >/tmp/raw.out 2>/tmp/raw.err
	fi
	rc=$?
	url="http://$1$([ "$2" = 80 ] || echo ":$2")$(printf '%b' "$3" | awk 'NR == 1 { print $2 }')"
	if [ $rc -eq 143 ]; then why="$url: no answer in ${TIMEOUT}s"; return 1; fi
	status=$(awk 'NR == 1 && /^HTTP\/[0-9.]+ [0-9]+/ { print $2 } { exit }' /tmp/raw.out)
	hdr=$(awk '/^\r?$/ { print NR; exit }' /tmp/raw.out)
	if [ -z "$status" ] || [ -z "$hdr" ]; then
		why="$url: $(sed -n '$s/^nc: //p' /tmp/raw.err)"
		[ "$why" = "$url: " ] && why="$url: not an HTTP answer"
		return 1
	fi
	if [ "$status" != 200 ]; then
		why="$url: server returned $(head -n 1 /tmp/raw.out | tr -d '\r')"
		return 1
	fi
	sed "1,${hdr}d" /tmp/raw.out >"$4"
}

# fetch.sh: HTTP for the metadata providers, sourced by /usr/bin/metadata. Every request is
# bounded by $TIMEOUT seconds (LinuxKit's http.Client: 2 s), so no provider can hang the boot;
# a failed request leaves its reason in $why ("URL: what went wrong").
# shellcheck shell=sh
# shellcheck disable=SC2034 # $why, $status and $statusline are read by the scripts that source this file

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
	if ! answer "$url" /tmp/raw.out "$4"; then
		err=$(sed -n '$s/^nc: //p' /tmp/raw.err)
		[ -n "$err" ] && why="$url: $err"
		return 1
	fi
	[ "$status" = 200 ] && return 0
	rm -f "$4"
	why="$url: server returned $statusline"
	return 1
}

# answer URL OUT FILE: the HTTP answer in OUT (from URL) parsed: $status its status code,
# $statusline its first line ("HTTP/1.1 404 Not Found") and FILE its body, whatever the status;
# 1 ($status "", reason in $why) if OUT is not one.
answer() {
	statusline=$(head -n 1 "$2" | tr -d '\r')
	status=$(awk 'NR == 1 && /^HTTP\/[0-9.]+ [0-9]+/ { print $2 } { exit }' "$2")
	hdr=$(awk '/^\r?$/ { print NR; exit }' "$2")
	if [ -z "$status" ] || [ -z "$hdr" ]; then
		status=
		why="$1: not an HTTP answer"
		return 1
	fi
	sed "1,${hdr}d" "$2" >"$3"
}

# CA bundle that HTTPS servers' certificates must chain to (built into the image; a machine's
# own can be bound over /etc/ssl/certs).
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

# https URL FILE: GET URL (https://HOST[:PORT]/PATH) with openssl s_client, which checks the
# server's certificate chain against $CA_BUNDLE alone and its name against HOST, and drops the
# connection if either fails. The answer parsed as by `answer` ($status, body in FILE, whatever
# the status); 1 with the reason in $why when there is no answer from a verified server.
https() {
	rm -f "$2"
	status=
	hp=${1#https://}
	path=/${hp#*/}
	[ "$path" = "/$hp" ] && path=/
	hp=${hp%%/*}
	host=${hp%:*} port=${hp##*:}
	[ "$host" = "$hp" ] && port=443
	# -quiet: no session dump on stdout, and the answer is read to its end (the server closes).
	printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$host" |
		timeout "$TIMEOUT" openssl s_client -quiet -connect "$host:$port" -servername "$host" \
			-verify_hostname "$host" -verify_return_error -CAfile "$CA_BUNDLE" -no-CApath -no-CAstore \
			>/tmp/https.out 2>/tmp/https.err
	rc=$?
	if [ $rc -eq 143 ]; then why="$1: no answer in ${TIMEOUT}s"; return 1; fi
	if [ $rc -ne 0 ]; then
		why="$1: $(tls_error "$host" </tmp/https.err)"
		return 1
	fi
	answer "$1" /tmp/https.out "$2"
}

# tls_error HOST: why s_client failed, from its stderr: the certificate check's verdict if it
# made one, else the first OpenSSL error's reason (connection refused, unknown name…).
tls_error() {
	awk -v host="$1" '
		/^verify error:num=62:/ { v = "certificate is not for " host " (hostname mismatch)" }
		/^verify error:num=/ && v == "" { sub(/^verify error:num=[0-9]+:/, ""); v = "certificate not trusted: " $0 }
		/:error:/ && e == "" { split($0, f, ":"); e = f[6] }
		NF { last = $0 }
		END {
			if (v != "") print v
			else if (e == "Name or service not known") print "cannot resolve " host
			else if (e != "") print e
			else print last
		}'
}

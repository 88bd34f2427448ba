# shellcheck shell=dash
# Shared by docker-load and docker-swarm: console messages and the engine's API over its unix
# socket with OpenBSD's netcat (there is no docker CLI in the image).
sock=${DOCKER_SOCK:-/var/run/docker.sock}

# say LEVEL MESSAGE: to stderr (the service's log) and the console (kernel log level 3 error, 5 notice).
say() {
	l=$1
	shift
	echo "docker: $*" >&2
	if [ -w /dev/kmsg ]; then echo "<$l>docker: $*" >>/dev/kmsg; fi 2>/dev/null
	return 0
}

# api METHOD PATH [TYPE BODY-FILE]: one HTTP/1.0 request on the socket (the engine closes the
# connection after its answer), the body streamed from BODY-FILE; the whole response on stdout.
api() {
	if [ -n "${4:-}" ]; then
		len=$(stat -L -c %s "$4") || return 1
		{
			printf '%s %s HTTP/1.0\r\nHost: docker\r\nContent-Type: %s\r\nContent-Length: %s\r\n\r\n' "$1" "$2" "$3" "$len"
			cat "$4"
		} | nc.openbsd -U "$sock"
	else
		printf '%s %s HTTP/1.0\r\nHost: docker\r\n\r\n' "$1" "$2" | nc.openbsd -U "$sock"
	fi
}

# api_json METHOD PATH JSON: a request with a JSON body (ASCII: its length in bytes is ${#JSON}).
api_json() {
	printf '%s %s HTTP/1.0\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n%s' "$1" "$2" "${#3}" "$3" |
		nc.openbsd -U "$sock"
}

# status RESPONSE: the HTTP status code of a response.
status() { printf '%s\n' "$1" | sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p'; }

# api_error RESPONSE: the engine's error message in a response, if any.
api_error() { printf '%s\n' "$1" | sed -n 's/.*"\(error\|message\)":"\([^"]*\)".*/\2/p' | head -n 1; }

# wait_engine SECONDS: until the engine answers /_ping; 1 if it did not in time.
wait_engine() {
	_i=0
	until [ -S "$sock" ] && api GET /_ping 2>/dev/null | grep -q '^OK'; do
		_i=$((_i + 1))
		[ "$_i" -lt "$1" ] || return 1
		sleep 1
	done
}

# logs.sh: where a container's stdout and stderr go (linuxkit-ts init). Sourced by service.
# shellcheck disable=SC2034 # out, err and log_to are log_open's results, read by service
# LOG names a container's two streams as LinuxKit's init does: LOG.out is stdout and LOG is
# stderr, LOG being KIND.NNN-NAME for onboot/onshutdown and the service's NAME. They go to
#   - the console, with linuxkit.runc_console=1 (LinuxKit's option);
#   - memlogd, when it runs (pkg/memlogd, docs/logging.md): each stream is a FIFO read by busybox
#     `logger`, which sends its lines to memlogd's socket tagged LOG.out or LOG;
#   - otherwise the files DIR/LOG.out.log and DIR/LOG.log.
# LinuxKit's own memlogd takes the streams as file descriptors over its socket
# /var/run/linuxkit-external-logging.sock, which a shell cannot send: with it, files are kept.

# memlogd's socket and pid file (pkg/memlogd/usr/bin/memlogd).
MEMLOGD_SOCKET=/dev/log
MEMLOGD_PID=/run/memlogd.pid
LINUXKIT_MEMLOGD_SOCKET=/var/run/linuxkit-external-logging.sock

# Whether memlogd runs: its socket is there and its process alive (a socket left by a memlogd
# that died would take the lines nowhere). Builtins only: it is asked before each container.
memlogd_up() {
	[ -S "$MEMLOGD_SOCKET" ] && [ -r "$MEMLOGD_PID" ] && read -r _mp <"$MEMLOGD_PID" && alive "$_mp"
}

# Says, before the onboot (or onshutdown) containers, why LinuxKit's memlogd, if present, gets nothing.
warn_linuxkit_memlogd() {
	[ -S "$LINUXKIT_MEMLOGD_SOCKET" ] && ! memlogd_up &&
		warn "LinuxKit's memlogd takes file descriptors, which this init cannot pass; containers log to files (use pkg/memlogd)"
	return 0
}

# Chooses where the next run of a container writes, setting out and err (paths for its `>>`)
# and log_to (console, memlogd or files). With ECHO=1, memlogd's lines are also shown on the
# console as they come, as "LOG.out: line" (onboot: LinuxKit shows their output).
#   log_open LOG DIR ECHO
# For memlogd the FIFOs are held open here (fds 8 and 9) until log_close. First write-only,
# which waits for the reader to open its end: a FIFO whose every end is closed drops what it
# holds, so the reader must be there before the container writes and exits. Then read-write:
# opening a FIFO for writing then never waits, even if its reader has gone, and the reader,
# which ends when no writer is left, cannot end before the container has its own copy.
log_open() {
	if cmdline_has linuxkit.runc_console=1; then
		out=/dev/console err=/dev/console log_to=console
		return 0
	fi
	_fo=$LK_RUN/log/$1.out _fe=$LK_RUN/log/$1
	if memlogd_up && { [ -d "$LK_RUN/log" ] || mkdir -p "$LK_RUN/log"; } &&
		{ [ -p "$_fo" ] || mkfifo -m 600 "$_fo"; } && { [ -p "$_fe" ] || mkfifo -m 600 "$_fe"; }; then
		if [ "$3" = 1 ]; then
			logger -s -t "$1.out" <"$_fo" >/dev/null 2>/dev/console &
			log_readers=$!
			logger -s -t "$1" <"$_fe" >/dev/null 2>/dev/console &
		else
			logger -t "$1.out" <"$_fo" >/dev/null 2>&1 &
			log_readers=$!
			logger -t "$1" <"$_fe" >/dev/null 2>&1 &
		fi
		log_readers="$log_readers $!"
		exec 8>"$_fo" 9>"$_fe"
		exec 8<>"$_fo" 9<>"$_fe"
		out=$_fo err=$_fe log_to=memlogd
		return 0
	fi
	[ -d "$2" ] || mkdir -p "$2"
	out=$2/$1.out.log err=$2/$1.log log_to=files
}

# Once the container has been started (or has run): lets its streams' readers end with it.
# With WAIT=1 (a container that has ended), waits up to 1 s for them to send what is left, so
# that its lines come before the next stage's; a process it left running may hold them longer.
#   log_close [WAIT]
log_close() {
	[ "$log_to" = memlogd ] || return 0
	exec 8>&- 9>&-
	[ "${1:-}" = 1 ] || return 0
	_i=0
	for _p in $log_readers; do
		while alive "$_p" && [ $_i -lt 50 ]; do
			sleep 0.02
			_i=$((_i + 1))
		done
	done
	return 0
}

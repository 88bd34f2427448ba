#!/bin/sh
# A getty on each console= of the kernel command line, restarted whenever it ends.
# INSECURE=true: no password, root is logged in (getty -n runs autologin instead of asking).
# /hostroot/etc/getty.shadow (the machine's /etc/getty.shadow), if present, replaces /etc/shadow.

# A message in the log (stdout) and on the tty concerned (default: the console).
say() {
	echo "getty: $1"
	echo "getty: $1" >"${2:-/dev/console}" 2>/dev/null
	return 0
}

started=" "
start_getty() {
	tty=${1%%,*}
	speed=${1#*,}
	[ "$speed" = "$1" ] && speed=115200
	speed=${speed%%[!0-9]*}
	case "$started" in *" $tty "*) return ;; esac
	started="$started$tty "
	if [ ! -c "/dev/$tty" ]; then
		say "console=$tty on the command line but /dev/$tty is not a character device; no getty there"
		return
	fi
	local_line=
	term=linux
	case "$tty" in
	ttyS* | ttyAMA* | ttyUSB* | ttyMFD* | hvc*) local_line=-L term=vt100 ;;
	tty?) speed=38400 ;;
	esac
	auto=
	[ "$INSECURE" = true ] && auto="-n -l /usr/bin/autologin"
	grep -qx "$tty" /etc/securetty ||
		say "$tty is not in /etc/securetty: root cannot log in on it" "/dev/$tty"
	say "starting getty for $tty" "/dev/$tty"
	# shellcheck disable=SC2086 # the option lists are meant to split
	(while :; do
		getty $auto $local_line "$speed" "$tty" $term
		sleep 1
	done) &
}

# In a container (not as an init.d script), the shell's prompt says so: login starts the
# shell with a clean environment, so through a profile file.
if [ -z "$INITGETTY" ]; then
	# shellcheck disable=SC2016 # $PS1 is expanded by the login shell
	mkdir -p /etc/profile.d && echo 'PS1="(ns: getty) $PS1"' >/etc/profile.d/namespace.sh
fi
if [ -f /hostroot/etc/getty.shadow ]; then
	# A missing final newline would break the last entry.
	{ cat /hostroot/etc/getty.shadow; echo; } >/etc/shadow
fi

read -r cmdline </proc/cmdline
for opt in $cmdline; do
	case "$opt" in console=*) start_getty "${opt#console=}" ;; esac
done

# As a service, stay until the gettys end (never); as an init.d script, return at once.
[ -n "$INITGETTY" ] || wait

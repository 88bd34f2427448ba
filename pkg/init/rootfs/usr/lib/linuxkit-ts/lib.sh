# lib.sh: shared by rc.init and service (linuxkit-ts init). Sourced, not run.
# shellcheck disable=SC2034 # used by the scripts that source this one
LK_LIB=/usr/lib/linuxkit-ts
# Run-time state of the init: service pid files, supervisors, the "stopping" flag.
LK_RUN=/run/linuxkit-ts
export PATH=/sbin:/bin:/usr/sbin:/usr/bin

# One line per stage on the console, with the time since boot, so that boot can be measured:
#   linuxkit-ts: 2.41 onboot 001-hello done
stage() {
	read -r _up _ </proc/uptime
	echo "linuxkit-ts: $_up $*"
}

warn() { echo "linuxkit-ts: warning: $*" >&2; }

# Under TCG every fork+exec costs milliseconds, so these scripts use shell builtins where
# they can: the command line is read once, files with `read`, no $(cat …) in loops.
LK_CMDLINE=
[ -r /proc/cmdline ] && read -r LK_CMDLINE </proc/cmdline

# Whether the kernel command line has the word $1 (e.g. linuxkit.runc_console=1).
cmdline_has() {
	case " $LK_CMDLINE " in *" $1 "*) return 0 ;; esac
	return 1
}

# The OCI runtime: $LINUXKIT_RUNTIME, else crun, else runc (LinuxKit's is /usr/bin/runc).
runtime_bin() {
	for _r in ${LINUXKIT_RUNTIME:-} /usr/bin/crun /usr/bin/runc /usr/sbin/runc /usr/local/bin/runc; do
		[ -x "$_r" ] && { echo "$_r"; return 0; }
	done
	return 1
}

# The runtime's binary is on a read-only ramfs (rc.init do_runtime_binary): crun may run it
# without making a sealed copy first.
[ -e "$LK_RUN/runtime-ro" ] && export _LIBCONTAINER_CLONED_BINARY=1

# Global runtime flags: --debug with linuxkit.runc_debug=1 (LinuxKit's option).
# shellcheck disable=SC2034 # used by the scripts that source this one
RUNTIME_FLAGS=''
cmdline_has linuxkit.runc_debug=1 && RUNTIME_FLAGS=--debug

cgroup_v2() { [ -e /sys/fs/cgroup/cgroup.controllers ]; }

# Whether process $1 is alive (a zombie is not): reads /proc/PID/stat, no fork.
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	read -r _s <"/proc/$1/stat" 2>/dev/null || return 1
	_s=${_s##*) }
	[ "${_s%% *}" != Z ]
}

# Seconds since boot, whole (for deadlines and back-off).
uptime_s() {
	read -r _u _ </proc/uptime
	echo "${_u%.*}"
}

# lib.sh: shared by rc.init and service (linuxkit-ts init). Sourced, not run.
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

# Whether the kernel command line has the word $1 (e.g. linuxkit.runc_console=1).
cmdline_has() {
	case " $(cat /proc/cmdline 2>/dev/null) " in *" $1 "*) return 0 ;; esac
	return 1
}

# The OCI runtime: $LINUXKIT_RUNTIME, else crun, else runc (LinuxKit's is /usr/bin/runc).
runtime_bin() {
	for _r in ${LINUXKIT_RUNTIME:-} /usr/bin/crun /usr/bin/runc /usr/sbin/runc /usr/local/bin/runc; do
		[ -x "$_r" ] && { echo "$_r"; return 0; }
	done
	return 1
}

# Global runtime flags: --debug with linuxkit.runc_debug=1 (LinuxKit's option).
runtime_flags() {
	cmdline_has linuxkit.runc_debug=1 && echo --debug
	return 0
}

# Loads BUNDLE/runtime.json into RT_* shell variables (see json.awk); clears earlier ones.
load_runtime_json() {
	for _v in $(set | sed -n 's/^\(RT_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$_v"; done
	[ -f "$1/runtime.json" ] || return 0
	_vars=$(awk -v prefix=RT_ -f "$LK_LIB/json.awk" "$1/runtime.json") || {
		warn "$1/runtime.json is not valid JSON"
		return 1
	}
	eval "$_vars"
}

cgroup_v2() { [ -e /sys/fs/cgroup/cgroup.controllers ]; }

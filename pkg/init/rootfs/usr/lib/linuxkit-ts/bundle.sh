# bundle.sh: running one OCI bundle the way LinuxKit's service does (lk:pkg/init/cmd/service/
# runc.go, prepare.go), with the OCI runtime called directly. Sourced after lib.sh.
# A bundle is DIR/{config.json, runtime.json, rootfs/ | lower/ + tmp/ + rootfs/}. load_bundle
# reads its runtime.json into RT_* variables, the loaded bundle that the other functions read;
# everything else they need comes as arguments.

# A runtime.json path: absolute, or relative to the bundle's rootfs, into the variable named
# VAR (no subshell: a fork costs milliseconds under TCG).
#   bundle_path VAR BUNDLE PATH
bundle_path() {
	case "$3" in /*) eval "$1=\$3" ;; *) eval "$1=\$2/rootfs/\$3" ;; esac
}

# Before create: mounts (in order), then mkdir, then cgroups (prepare.go prepareFilesystem).
prepare_filesystem() {
	_b=$1
	_i=0
	while [ "$_i" -lt "${RT_mounts_n:-0}" ]; do
		_dst='' _src='' _typ='' _no=0 _dir=''
		eval "_dst=\${RT_mounts_${_i}_destination-} _src=\${RT_mounts_${_i}_source-} _typ=\${RT_mounts_${_i}_type-} _no=\${RT_mounts_${_i}_options_n:-0}"
		bundle_path _dir "$_b" "$_dst"
		[ -d "$_dir" ] || mkdir -p "$_dir" || return 1
		_opts='' _prop='' _mk='' _o=''
		_j=0
		while [ "$_j" -lt "$_no" ]; do
			eval "_o=\${RT_mounts_${_i}_options_${_j}}"
			case "$_o" in
			upperdir=* | workdir=*) _mk="$_mk ${_o#*=}" _opts="$_opts,$_o" ;;
			shared | rshared | private | rprivate | slave | rslave | unbindable | runbindable) _prop="$_prop $_o" ;;
			*) _opts="$_opts,$_o" ;;
			esac
			_j=$((_j + 1))
		done
		_opts=${_opts#,}
		# The overlay's upper and work directories (in the tmpfs mounted just before).
		# shellcheck disable=SC2086 # one word per directory (paths from runtime.json have no spaces)
		[ -z "$_mk" ] || mkdir -p $_mk || return 1
		# {"options": ["remount", "private"]} only changes propagation: no mount(2) of its own.
		if [ -n "$_src$_typ" ] || { [ -n "$_opts" ] && [ "$_opts" != remount ]; }; then
			mount ${_typ:+-t "$_typ"} ${_opts:+-o "$_opts"} "${_src:-none}" "$_dir" || {
				warn "mount ${_src:-none} on $_dir failed"
				return 1
			}
		fi
		for _p in $_prop; do mount --make-"$_p" "$_dir" || return 1; done
		_i=$((_i + 1))
	done
	_i=0
	while [ "$_i" -lt "${RT_mkdir_n:-0}" ]; do
		_d=''
		eval "_d=\${RT_mkdir_${_i}}"
		bundle_path _d "$_b" "$_d"
		mkdir -p "$_d" || return 1
		_i=$((_i + 1))
	done
	_i=0
	while [ "$_i" -lt "${RT_cgroups_n:-0}" ]; do
		_c=''
		eval "_c=\${RT_cgroups_${_i}}"
		if cgroup_v2; then
			mkdir -p "/sys/fs/cgroup/$_c"
		else
			for _h in /sys/fs/cgroup/*/; do mkdir -p "$_h$_c"; done
		fi
		_i=$((_i + 1))
	done
	return 0
}

# Whether anything must happen between create and start (interfaces, bindNS).
needs_prepare_process() {
	[ "${RT_interfaces_n:-0}" -gt 0 ] && return 0
	for _ns in cgroup ipc mnt net pid user uts; do
		eval "[ -n \"\${RT_bindNS_${_ns}-}\" ]" && return 0
	done
	return 1
}

# After create, before start: network interfaces, then namespace binds (prepareProcess).
prepare_process() {
	_pid=$2
	_i=0
	while [ "$_i" -lt "${RT_interfaces_n:-0}" ]; do
		_name='' _add='' _peer='' _root=''
		eval "_name=\${RT_interfaces_${_i}_name-} _add=\${RT_interfaces_${_i}_add-} _peer=\${RT_interfaces_${_i}_peer-} _root=\${RT_interfaces_${_i}_createInRoot-false}"
		[ -n "$_name" ] || { warn "interface requires a name"; return 1; }
		[ -n "$_peer" ] && [ -z "$_add" ] && _add=veth
		if [ -n "$_add" ]; then
			if [ "$_add" = veth ]; then
				[ -n "$_peer" ] || { warn "veth $_name requires a peer"; return 1; }
				# busybox ip ignores "peer name": the peer gets a vethN name, renamed after.
				ip link add name "$_name" type veth || return 1
				_auto=$(ip -o link | sed -n "s/^[0-9]*: \([^@:]*\)@$_name:.*/\1/p")
				[ -n "$_auto" ] || return 1
				ip link set "$_auto" name "$_peer" || return 1
			elif [ "$_root" = true ]; then
				ip link add name "$_name" type "$_add" || return 1
			else
				nsenter -t "$_pid" -n ip link add name "$_name" type "$_add" || return 1
				echo "Created interface $_name type $_add" >&2
				_i=$((_i + 1))
				continue
			fi
			echo "Created interface $_name type $_add" >&2
		fi
		ip link set "$_name" netns "$_pid" || return 1
		echo "Moved interface $_name to pid $_pid" >&2
		_i=$((_i + 1))
	done
	for _ns in cgroup ipc mnt net pid user uts; do
		eval "_path=\${RT_bindNS_${_ns}-}"
		[ -n "$_path" ] || continue
		if ! { mkdir -p "${_path%/*}" && : >>"$_path" && mount --bind "/proc/$_pid/ns/$_ns" "$_path"; }; then
			warn "cannot bind the $_ns namespace of pid $_pid at $_path"
			return 1
		fi
	done
	return 0
}

# Loads BUNDLE/runtime.json into RT_* shell variables (see json.awk), clearing earlier ones, and
# sets LK_config to the flag that hands crun a copy of config.json it accepts, or to nothing
# (ociversion.awk); the caller passes LK_config on to run_to_completion or start_detached.
# One awk process does both: under TCG each fork costs more than the reading.
#   load_bundle RUNTIME BUNDLE NAME
load_bundle() {
	for _v in ${RT__vars:-}; do unset "$_v"; done
	RT__vars=''
	_cfg='' _rtj=/dev/stdin
	case "${1##*/}" in
	crun)
		_cfg=$2/config.json
		[ -d "$LK_RUN/config" ] || mkdir -p "$LK_RUN/config"
		;;
	esac
	[ -f "$2/runtime.json" ] && _rtj=$2/runtime.json
	# Without runtime.json, json.awk reads the empty object on stdin.
	_vars=$(awk -v cfg="$_cfg" -v out="$LK_RUN/config/$3.json" -f "$LK_LIB/ociversion.awk" \
		-v prefix=RT_ -f "$LK_LIB/json.awk" "$_rtj" <<-EOF
		{}
		EOF
	) || {
		warn "$2/runtime.json is not valid JSON"
		return 1
	}
	eval "$_vars"
}

# Whether run_to_completion can give the container's own exit status for the loaded bundle.
# Not when something must happen between create and start (interfaces, bindNS): the runtime
# then leaves the container's process to init, which reaps it, and only its end can be seen
# (as LinuxKit's runcInit, which ignores that status too).
exit_status_known() {
	! needs_prepare_process
}

# Runs a bundle to completion; its status is the container's, or, when not exit_status_known,
# 1 if it could not be created, prepared or started and 0 once its process has gone.
#   run_to_completion RUNTIME NAME BUNDLE OUT ERR CONFIGFLAG   (CONFIGFLAG: load_bundle's LK_config)
# With nothing to do between create and start this is one `RUNTIME run` (the runtime waits,
# and removes the container). Otherwise create, prepare the process, start, and wait for the
# pid to go.
run_to_completion() {
	_rt=$1 _n=$2 _b=$3 _out=$4 _err=$5 _cf=$6
	if exit_status_known; then
		# shellcheck disable=SC2086 # the flags are words (empty, --debug, --config FILE)
		"$_rt" $RUNTIME_FLAGS run $_cf --bundle "$_b" "$_n" </dev/null >>"$_out" 2>>"$_err"
		return $?
	fi
	_pidf="$LK_RUN/pids/$_n.pid"
	[ -d "$LK_RUN/pids" ] || mkdir -p "$LK_RUN/pids"
	# shellcheck disable=SC2086 # the flags are words (empty, --debug, --config FILE)
	"$_rt" $RUNTIME_FLAGS create $_cf --bundle "$_b" --pid-file "$_pidf" "$_n" </dev/null >>"$_out" 2>>"$_err" || return 1
	read -r _cpid <"$_pidf"
	if ! prepare_process "$_b" "$_cpid" 2>>"$_err"; then
		"$_rt" delete -f "$_n" >/dev/null 2>&1
		return 1
	fi
	# shellcheck disable=SC2086 # --debug or nothing
	"$_rt" $RUNTIME_FLAGS start "$_n" >>"$_out" 2>>"$_err" || return 1
	# Poll with a growing interval: quick for short containers, few forks for long ones.
	_nap=0.05
	while alive "$_cpid"; do
		sleep "$_nap"
		case "$_nap" in 0.05) _nap=0.1 ;; 0.1) _nap=0.2 ;; *) _nap=0.5 ;; esac
	done
	"$_rt" delete -f "$_n" >/dev/null 2>&1
	rm -f "$_pidf"
	return 0
}

# Starts a bundle in the background (a service) and returns once it runs.
#   start_detached RUNTIME NAME BUNDLE OUT ERR CONFIGFLAG
start_detached() {
	_rt=$1 _n=$2 _b=$3 _out=$4 _err=$5 _cf=$6
	_pidf="$LK_RUN/pids/$_n.pid"
	[ -d "$LK_RUN/pids" ] || mkdir -p "$LK_RUN/pids"
	if ! needs_prepare_process; then
		# shellcheck disable=SC2086 # the flags are words (empty, --debug, --config FILE)
		"$_rt" $RUNTIME_FLAGS run $_cf --detach --bundle "$_b" --pid-file "$_pidf" "$_n" </dev/null >>"$_out" 2>>"$_err"
		return $?
	fi
	# shellcheck disable=SC2086 # the flags are words (empty, --debug, --config FILE)
	"$_rt" $RUNTIME_FLAGS create $_cf --bundle "$_b" --pid-file "$_pidf" "$_n" </dev/null >>"$_out" 2>>"$_err" || return 1
	read -r _cpid <"$_pidf"
	if ! prepare_process "$_b" "$_cpid" 2>>"$_err"; then
		"$_rt" delete -f "$_n" >/dev/null 2>&1
		return 1
	fi
	# shellcheck disable=SC2086 # --debug or nothing
	"$_rt" $RUNTIME_FLAGS start "$_n" >>"$_out" 2>>"$_err"
}

#!/bin/sh
# docker.sh [DOCKERD FLAGS]: the docker service's start, run by docker-init (tini, which reaps
# what the engine leaves behind). Checks that the state directory can keep the engine's state,
# prepares the cgroup tree, starts the offline image loader (docker-load) and, with swarm
# metadata, docker-swarm in the background, and
# replaces itself with dockerd. The machine's /etc/docker is bound at /var/config/docker (as
# LinuxKit's docker-for-mac example binds its configuration): daemon.json there (e.g. its
# "hosts") is the engine's configuration, images/*.tar the images to load. dockerd writes its
# key into its own /etc/docker, which must be writable (the container's, not the machine's).
# A reason for not starting goes to the console (/dev/kmsg) as well as to the service's log
# (/var/log/docker.log), and nothing is written to the state disk then.
# DOCKER_MIN_DISK_MB (default 256): the smallest state filesystem the engine is started on.
# The paths can be changed through the environment, for tests on the host.
state=${DOCKER_STATE:-/var/lib/docker}
min_mb=${DOCKER_MIN_DISK_MB:-256}
kmsg=${DOCKER_KMSG:-/dev/kmsg}
cg=${DOCKER_CGROUP:-/sys/fs/cgroup}
conf=${DOCKER_CONFIG_DIR:-/var/config/docker}

say() {
	echo "docker: $*" >&2
	# <3>: an error, shown on the console at the kernel's default log level
	if [ -w "$kmsg" ]; then echo "<3>docker: $*" >>"$kmsg"; fi 2>/dev/null
	return 0
}
die() {
	say "$*; dockerd not started, nothing written to $state"
	exit 1
}

# The state directory is bound from the machine, where pkg/mount mounted the data disk; without
# one it is the machine's /var tmpfs.
fstype=$(stat -f -c %T "$state" 2>/dev/null) || die "$state does not exist"
case "$fstype" in
tmpfs | ramfs)
	say "warning: no disk is mounted at $state: images and containers are kept in memory and lost at poweroff"
	;;
*)
	# The filesystem's size, not its free space: a full disk must still start, so that images
	# can be removed.
	size=$(df -Pk "$state" | awk 'NR == 2 { print int($2 / 1024) }')
	[ "${size:-0}" -ge "$min_mb" ] ||
		die "the disk at $state holds ${size:-0} MiB, less than the $min_mb MiB the engine needs: give it a larger disk (e.g. linuxkit run qemu --disk size=2G)"
	;;
esac
probe=$state/.linuxkit-write-test
# (touch, not ": >": a failed redirection of a special built-in ends the shell)
{ touch "$probe" && rm -f "$probe"; } 2>/dev/null || die "$state is not writable (a read-only disk or filesystem)"

# cgroup v2. LinuxKit has no cgroup namespace setting, so the engine sees the machine's whole
# tree; this container's group is the one /proc/self/cgroup names (/docker, after the service),
# or / inside a cgroup namespace. The engine's containers go below it (--cgroup-parent), so the
# service's limits hold for them too; they get controllers only if that group enables them,
# which a group holding processes cannot do (cgroup v2's no-internal-process rule). So this
# container's processes move to a child group, init, first, as moby's hack/dind script does.
if [ -f "$cg/cgroup.controllers" ]; then
	own=${DOCKER_OWN_CGROUP:-$(sed -n 's/^0:://p' /proc/self/cgroup)}
	dir=$cg${own%/}
	if [ -w "$dir/cgroup.subtree_control" ] && mkdir -p "$dir/init"; then
		while read -r pid; do echo "$pid" >"$dir/init/cgroup.procs"; done <"$dir/cgroup.procs" 2>/dev/null
		read -r controllers <"$dir/cgroup.controllers"
		if [ -n "$controllers" ]; then
			# shellcheck disable=SC2086 # one word per controller
			set_ctl=$(printf '+%s ' $controllers)
			echo "$set_ctl" >"$dir/cgroup.subtree_control" || say "warning: cannot enable the cgroup controllers ($controllers) for the containers"
		fi
	else
		say "warning: cannot prepare the cgroup $dir for the containers"
	fi
	[ "$own" = / ] || set -- --cgroup-parent "$own" "$@"
fi

if [ -f "$conf/daemon.json" ]; then set -- --config-file "$conf/daemon.json" "$@"; fi
# In the background, once the engine answers: the images to load, then the swarm to form or
# join when the machine's metadata says so (docker-swarm).
swarm=${DOCKER_SWARM_CONFIG:-/run/config/swarm}
{
	${DOCKER_LOADER:-/usr/bin/docker-load} "$conf/images"
	if [ -d "$swarm" ]; then /usr/bin/docker-swarm "$swarm"; fi
} &
exec ${DOCKERD:-/usr/sbin/dockerd} "$@"

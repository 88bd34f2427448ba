#!/bin/sh
# A Docker swarm of N machines (examples/swarm/swarm.yml, built once), each booted by
# `linuxkit run qemu --detached` with its own state directory (disk, console log, metadata),
# on one private network between them — a vde_switch on a unix socket directory: no root, no
# host bridge, no multicast, nothing leaves the host — plus qemu's user network each, for its
# API port and published ports.
#
#   cluster.sh start [-n N] [-d DIR] [-b BASE] [-p HOST:GUEST]... IMAGE
#   cluster.sh stop [-d DIR]
#
# IMAGE is the prefix `linuxkit build` wrote (swarm for swarm-kernel, swarm-initrd.img, …).
# N machines (default 3) keep their state in DIR/m1 … DIR/mN (default ./swarm-cluster) and
# their private address is 192.168.76.(10+i); machine i's engine is on host port BASE+i
# (default 23750+i, on 127.0.0.1 only: no authentication, see docs/docker.md); -p ports are published on machine 1,
# whose swarm routing mesh reaches the services on every machine.
# Machine 1 initialises the swarm on boot; start waits for that, asks its engine for the worker
# join token and gives it to the others in their metadata (/run/config/swarm), so they join as
# workers on boot. A second start on the same DIR boots the same disks: the swarm is kept.
set -eu
LINUXKIT=${LINUXKIT:-linuxkit}
n=3 dir=./swarm-cluster base=23750 publish=''
cmd=${1:-}
[ $# -gt 0 ] && shift
while getopts n:d:b:p: o; do
	case $o in
	n) n=$OPTARG ;;
	d) dir=$OPTARG ;;
	b) base=$OPTARG ;;
	p) publish="$publish --publish $OPTARG" ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
die() {
	echo "cluster.sh: $*" >&2
	exit 1
}

# boot I METADATA [PUBLISH…]: machine I, detached.
boot() {
	i=$1 data=$2
	shift 2
	mkdir -p "$dir/m$i"
	# shellcheck disable=SC2086 # $publish is a list of flags
	"$LINUXKIT" run qemu --detached --mem 1024 --state "$dir/m$i" \
		--disk "file=$dir/m$i/disk.img,size=4G,format=raw" \
		--networking user --publish "127.0.0.1:$((base + i)):2375" "$@" \
		--add-network "vde,$dir/switch" --data "$data" "$image" >"$dir/m$i/pid" ||
		die "machine $i did not start"
	echo "machine $i: engine on tcp://127.0.0.1:$((base + i)), console $dir/m$i/console.log"
}

# meta ROLE I [MANAGER TOKEN]: the metadata JSON (pkg/metadata's format) for machine I.
meta() {
	extra=''
	[ $# -lt 3 ] || extra=$(printf ',"manager":{"content":"%s"},"token":{"content":"%s"}' "$3" "$4")
	printf '{"swarm":{"entries":{"role":{"content":"%s"},"addr":{"content":"192.168.76.%s/24"}%s}}}' "$1" "$((10 + $2))" "$extra"
}

case "$cmd" in
start)
	[ $# -eq 1 ] || die "usage: cluster.sh start [-n N] [-d DIR] [-b BASE] [-p HOST:GUEST]... IMAGE"
	image=$1
	[ -f "$image-kernel" ] || die "$image-kernel does not exist: build examples/swarm/swarm.yml first (linuxkit build --name swarm examples/swarm/swarm.yml)"
	command -v vde_switch >/dev/null || die "vde_switch not found: install vde2"
	command -v docker >/dev/null || die "the docker CLI is needed to read the join token"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [ -f "$dir/switch.pid" ] && kill -0 "$(cat "$dir/switch.pid")" 2>/dev/null; then die "$dir is running: cluster.sh stop -d $dir first"; fi
	vde_switch --daemon --sock "$dir/switch" --pidfile "$dir/switch.pid" || die "vde_switch did not start"
	# shellcheck disable=SC2086 # $publish is a list of flags
	boot 1 "$(meta manager 1)" $publish
	engine="tcp://127.0.0.1:$((base + 1))"
	echo "waiting for machine 1 to initialise the swarm (minutes under TCG)…"
	t=0
	until [ "$(docker -H "$engine" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" = active ]; do
		t=$((t + 5))
		[ "$t" -le 900 ] || die "machine 1 has no swarm after 900 s: see $dir/m1/console.log"
		sleep 5
	done
	token=$(docker -H "$engine" swarm join-token -q worker) || die "cannot read the join token from machine 1"
	i=2
	while [ "$i" -le "$n" ]; do
		boot "$i" "$(meta worker "$i" 192.168.76.11 "$token")"
		i=$((i + 1))
	done
	echo "the workers join as they boot: docker -H $engine node ls"
	;;
stop)
	for p in "$dir"/m*/qemu.pid "$dir/switch.pid"; do
		[ -f "$p" ] || continue
		kill "$(cat "$p")" 2>/dev/null || true
		rm -f "$p"
	done
	echo "stopped the machines of $dir (their disks are kept)"
	;;
*) die "usage: cluster.sh start|stop [flags] (see its header)" ;;
esac

#!/bin/sh
# Starts the QEMU guest agent on its virtio-serial port. The port is found by its name
# (org.qemu.guest_agent.0, what libvirt and `linuxkit run qemu --guest-agent` call it) in
# /sys/class/virtio-ports, and its node is made in the container's /dev at the path qemu-ga
# opens by default (/dev/virtio-ports/NAME, as udev would link it on a full system). LinuxKit's
# image runs `qemu-ga -p /dev/vport0p1`, which is the first port of the first virtio device:
# under qemu that is not the agent's when virtio-rng or virtio-net come first.
# Arguments are passed on to qemu-ga (e.g. -v, or -p PATH to name the device yourself).
NAME=org.qemu.guest_agent.0
port=
for p in /sys/class/virtio-ports/*; do
	if [ -r "$p/name" ] && [ "$(cat "$p/name")" = "$NAME" ]; then
		port=$p
		break
	fi
done
if [ -z "$port" ]; then
	echo "qemu-ga: no virtio-serial port named $NAME (qemu: -device virtserialport,name=$NAME; linuxkit run qemu --guest-agent SOCKET)" >&2
	exit 1
fi
mkdir -p /dev/virtio-ports
dev=$(cat "$port/dev")
[ -c "/dev/virtio-ports/$NAME" ] || mknod "/dev/virtio-ports/$NAME" c "${dev%:*}" "${dev#*:}" || exit 1
echo "qemu-ga: port $NAME is ${port##*/} ($dev)"
exec /usr/sbin/qemu-ga "$@"

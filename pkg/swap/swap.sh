#!/bin/sh
# Makes and enables a swap file, as LinuxKit's swap package:
#   /swap.sh --path /var/external/swap --size 1G [--encrypt] [--condition C]... [--debug]
# --path must be under /var (the machine's writable, usually disk-backed, part); --size takes
# G, M, K or bytes. --encrypt maps the file through dm-crypt (plain mode, a random key from
# /dev/urandom, aes-cbc-essiv:sha256, 256 bits) at /dev/mapper/swapfile, so its contents do
# not outlive the boot. Conditions (all must hold, else no swap and exit 0, or exit 1 when the
# last field is "true"): part:PATH[:required] (PATH is a mount point), partsize:PATH:SIZE[:required]
# (the filesystem holding PATH has at least SIZE).
set -e
path='' size='' encrypt='' conditions=''
while [ $# -gt 0 ]; do
	case "$1" in
	--debug) set -x ;;
	--path) path=$2; shift ;;
	--size) size=$2; shift ;;
	--encrypt) encrypt=true ;;
	--condition) conditions="$conditions $2"; shift ;;
	*) echo "swap: unknown option $1 (options: --path P --size S [--encrypt] [--condition C] [--debug])" >&2; exit 1 ;;
	esac
	shift
done

# Bytes of "2G", "100M", "5670K" or "8765432".
bytes() {
	case "$1" in
	*G) echo $((${1%G} * 1024 * 1024 * 1024)) ;;
	*M) echo $((${1%M} * 1024 * 1024)) ;;
	*K) echo $((${1%K} * 1024)) ;;
	*[!0-9]* | '') echo "swap: bad size '$1' (G, M, K or bytes)" >&2; return 1 ;;
	*) echo "$1" ;;
	esac
}

[ -n "$path" ] || { echo "swap: --path <path> is required" >&2; exit 1; }
case "$path" in /var/?*) ;; *) echo "swap: --path $path must be under /var" >&2; exit 1 ;; esac
[ -n "$size" ] || { echo "swap: --size <size> is required" >&2; exit 1; }
want=$(bytes "$size")

# A condition not met: no swap; an error only if it is required.
unmet() {
	echo "swap: condition $1 not met: $2; no swap file made"
	[ "$3" = true ] && exit 1
	exit 0
}
for c in $conditions; do
	IFS=: read -r kind a1 a2 a3 <<-EOC
		$c
	EOC
	case "$kind" in
	part) grep -qs " $a1 " /proc/mounts || unmet "$c" "$a1 is not a mount point" "$a2" ;;
	partsize)
		have=$(($(df -k "$a1" | awk 'NR == 2 { print $2 }') * 1024))
		[ "$have" -ge "$(bytes "$a2")" ] || unmet "$c" "the filesystem of $a1 has $have bytes" "$a3"
		;;
	*) echo "swap: unknown condition $c (part:PATH[:required], partsize:PATH:SIZE[:required])" >&2; exit 1 ;;
	esac
done

dev=$path
[ -n "$encrypt" ] && dev=/dev/mapper/swapfile
if [ ! -f "$path" ] || [ "$(stat -c %s "$path")" != "$want" ]; then
	mkdir -p "${path%/*}"
	bs=1048576
	[ "$want" -lt "$bs" ] && bs=1024
	echo "swap: making the $size swap file $path"
	dd if=/dev/zero of="$path" bs="$bs" count=$((want / bs)) 2>/dev/null
	chmod 0600 "$path"
	fresh=true
fi
if [ -n "$encrypt" ]; then
	mkdir -p /run/cryptsetup # its lock directory
	cryptsetup open --type plain --key-file /dev/urandom --key-size 256 --cipher aes-cbc-essiv:sha256 --offset 0 "$path" swapfile
	fresh=true # a new random key: the old signature is unreadable
fi
[ -n "${fresh:-}" ] && mkswap "$dev" >/dev/null
swapon "$dev"
echo "swap: $dev enabled ($size)"

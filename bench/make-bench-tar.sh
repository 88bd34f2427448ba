#!/bin/bash
# Writes a root filesystem tar shaped like LinuxKit's `large` benchmark build (see
# /work/shared/bench/README.md), without the assembly step: boot/kernel + boot/cmdline, the
# cloud kernel's whole module tree (92.6 MB), a busybox init, and 25 unpacked Debian packages
# (~125 MB) as one service's rootfs. Deterministic (sorted, root-owned, mtime 0).
#
# usage: bench/make-bench-tar.sh OUT.tar [DEB_DIR]   (DEB_DIR: where .debs are, or are downloaded)
set -euo pipefail
OUT=$1
DEBS=${2:-${LINUXKIT_TS_DEB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/linuxkit-ts/debs}}
mkdir -p "$DEBS"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

deb() { # deb PKG → path of its .deb (downloaded once)
  local f
  f=$(find "$DEBS" -maxdepth 1 -name "$1_*.deb" | sort | head -n1)
  if [ -z "$f" ]; then (cd "$DEBS" && apt-get download -q "$1" >/dev/null); f=$(find "$DEBS" -maxdepth 1 -name "$1_*.deb" | sort | head -n1); fi
  echo "$f"
}

KPKG=$(apt-cache show --no-all-versions linux-image-cloud-amd64 | sed -n 's/^Depends: \(linux-image-[^ ,]*\).*/\1/p')
R=$WORK/root
mkdir -p "$R/boot" "$R/bin" "$R/proc" "$R/dev" "$R/containers/services/large/rootfs" "$WORK/k"
dpkg-deb -x "$(deb "$KPKG")" "$WORK/k"
cp "$WORK"/k/boot/vmlinuz-* "$R/boot/kernel"
printf 'console=ttyS0 panic=-1' >"$R/boot/cmdline"
mv "$WORK/k/lib" "$R/lib"
dpkg-deb -x "$(deb busybox-static)" "$WORK/bb"
cp "$WORK/bb/bin/busybox" "$R/bin/busybox"
# shellcheck disable=SC2016 # the machine's shell expands these
printf '#!/bin/busybox sh\n/bin/busybox mount -t proc proc /proc\necho "LKBENCH-INIT uptime=$(/bin/busybox cut -d" " -f1 /proc/uptime)"\n/bin/busybox poweroff -f\n' >"$R/init"
chmod 755 "$R/init"
for p in python3.11-minimal libpython3.11-stdlib perl-modules-5.36 libperl5.36 perl-base \
  coreutils libc6 bash libssl3 libstdc++6 libgcc-s1 zlib1g libsqlite3-0 libncursesw6 \
  libtinfo6 libreadline8 libexpat1 libffi8 libbz2-1.0 liblzma5 media-types \
  libuuid1 libdb5.3 libgdbm6 libcrypt1; do
  dpkg-deb -x "$(deb "$p")" "$R/containers/services/large/rootfs"
done
# boot/ first, as the build writes the kernel section first.
(cd "$R" && { echo boot; echo boot/cmdline; echo boot/kernel; find . -mindepth 1 -path ./boot -prune -o -printf '%P\n' | LC_ALL=C sort; }) |
  tar -C "$R" --no-recursion -T - --numeric-owner --owner=0 --group=0 --mtime=@0 --format=pax -cf "$WORK/plain.tar"
# LinuxKit's origin records on every entry, as the build writes them (the member cache uses them).
node "$(dirname "$0")/add-origins.mjs" "$WORK/plain.tar" "$OUT"
echo "$OUT: $(stat -c %s "$OUT") bytes"

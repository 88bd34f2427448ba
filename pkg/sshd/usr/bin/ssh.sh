#!/bin/sh
# Starts sshd in the foreground, logging to stderr (/var/log/sshd.log, or the console).
set -e
# sshd's privilege-separation directory (Debian's sshd refuses to start without it); /run is
# the machine's, so it is made at every start.
# shellcheck disable=SC2174 # /run and /root exist: -m is for the named directories
mkdir -p -m 0755 /run/sshd
# shellcheck disable=SC2174 # /run and /root exist: -m is for the named directories
mkdir -p -m 0700 /root/.ssh
# Host keys: kept if the image or a bind provides them, else made now. ed25519 only: an RSA key
# takes seconds to generate on a slow (emulated) CPU, and every current client takes ed25519.
if ! ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1; then
	ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
fi
exec /usr/sbin/sshd -D -e

#!/bin/sh
# Waits, then asks the machine's init for a clean poweroff (busybox `poweroff` signals pid 1,
# which runs the onshutdown containers). Only if that fails is the kernel told directly.
delay=${1:-30}
sleep "$delay"
echo "poweroff: powering off after ${delay}s"
poweroff || poweroff -f

#!/bin/sh
# Starts vmtoolsd on VMware; anywhere else says so and exits 0 (vmtoolsd itself exits 1 there
# without a word: it finds no VMware backdoor). Arguments are passed on to vmtoolsd.
if ! out=$(/usr/bin/vmware-checkvm 2>&1); then
	echo "open-vm-tools: not a VMware virtual machine ($out); vmtoolsd not started"
	exit 0
fi
exec /usr/bin/vmtoolsd "$@"

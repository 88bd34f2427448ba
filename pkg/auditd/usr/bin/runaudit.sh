#!/bin/sh
# As LinuxKit's runaudit.sh: load the audit rules into the kernel, then run auditd in the
# foreground (it enables auditing and receives the records).
auditctl -R /etc/audit/audit.rules
exec /sbin/auditd -f

# providers.sh: the network metadata providers of LinuxKit's metadata package
# (lk:pkg/metadata/provider_*.go), sourced by /usr/bin/metadata after fetch.sh. For each NAME:
# probe_NAME says whether the service is there (0) or not (1, reason in $why); extract_NAME
# writes the provider's files under $CONFIG and leaves user data, if the service has some, in
# /tmp/userdata; it returns 1 (reason in $why) when something it needs is missing.
# shellcheck shell=sh
# shellcheck disable=SC2154 # $statusline is set by fetch.sh's requests (sourced before this file)

IMDS=169.254.169.254
AWS_META=http://$IMDS/latest/meta-data/
GCP=http://$IMDS/computeMetadata/v1/
GCP_HEADER='Metadata-Flavor: Google'
VULTR=http://$IMDS/v1/
DO=http://$IMDS/metadata/v1/
SCALEWAY=169.254.42.42
METALDATA=http://metaldata/get/

# The names LinuxKit's providers give themselves (their String()), in logs and /run/config/provider.
provider_name() {
	case "$1" in
	aws) echo AWS ;; gcp) echo GCP ;; hetzner) echo Hetzner ;; openstack) echo openstack ;;
	scaleway) echo Scaleway ;; vultr) echo Vultr ;; digitalocean) echo DigitalOcean ;;
	equinixmetal) echo EquinixMetal ;; metaldata) echo metaldata ;; vmware) echo VMWARE ;;
	esac
}

# put FILE NAME MODE: FILE becomes $CONFIG/NAME.
put() { cp "$1" "$CONFIG/$2" && chmod "$3" "$CONFIG/$2"; }

# put_keys FILE: the ssh keys in FILE (one a line) become $CONFIG/ssh/authorized_keys (0600).
put_keys() { mkdir -p "$CONFIG/ssh" && chmod 0755 "$CONFIG/ssh" && put "$1" ssh/authorized_keys 0600; }

# hostname_from URL [HEADER]: the hostname, which a provider must have, into $CONFIG/hostname.
hostname_from() { get "$1" /tmp/value "$2" && put /tmp/value hostname 0644; }

# values NAME BASE HEADER LOOKUP FILE…: each BASE/LOOKUP into $CONFIG/FILE; a missing one is logged.
values() {
	name=$1 base=$2 header=$3
	shift 3
	while [ $# -ge 2 ]; do
		if get "$base$1" /tmp/value "$header"; then
			put /tmp/value "$2" 0644
		else
			log "$name: Failed to get $1: $why"
		fi
		shift 2
	done
}

# keys NAME URL HEADER [FILTER]: the ssh keys at URL (through FILTER, a function from the
# provider's format to one key a line) into $CONFIG/ssh/authorized_keys.
keys() {
	if ! get "$2" /tmp/keys "$3"; then
		log "$1: Failed to get ssh data: $why"
		return
	fi
	if [ -n "$4" ] && ! "$4" </tmp/keys >/tmp/keys.out; then
		log "$1: Failed to get ssh data: $2: $filter_why"
		return
	fi
	[ -n "$4" ] && mv /tmp/keys.out /tmp/keys
	put_keys /tmp/keys
}

# userdata NAME URL [HEADER]: the generic user data into /tmp/userdata; none is not an error.
userdata() { get "$2" /tmp/userdata "$3" || log "$1: Failed to get user-data: $why"; }

# --- AWS (lk: provider_aws.go), with IMDSv2 first: a session token from a PUT (which wget
# cannot send), then on every request. A service that refuses the PUT is asked as IMDSv1 (as
# LinuxKit always does); one that does not answer it is not there.
probe_aws() {
	aws_header=
	if raw $IMDS 80 "PUT /latest/api/token HTTP/1.0\r\nHost: $IMDS\r\nX-aws-ec2-metadata-token-ttl-seconds: 21600\r\nContent-Length: 0\r\n\r\n" /tmp/token; then
		aws_header="X-aws-ec2-metadata-token: $(tr -d '\r\n' </tmp/token)"
	elif [ -z "$status" ]; then
		return 1
	fi
	get "${AWS_META}hostname" /tmp/value "$aws_header"
}
extract_aws() {
	hostname_from "${AWS_META}hostname" "$aws_header" || return 1
	values AWS "$AWS_META" "$aws_header" public-ipv4 public_ipv4 local-ipv4 local_ipv4 \
		placement/availability-zone availability_zone instance-type instance_type \
		instance-id instance_id local-hostname local_hostname
	keys AWS "${AWS_META}public-keys/0/openssh-key" "$aws_header"
	userdata AWS "http://$IMDS/latest/user-data" "$aws_header"
}

# --- GCP (lk: provider_gcp.go): every request carries Metadata-Flavor: Google, which the
# service demands. Addressed as 169.254.169.254, the address metadata.google.internal has.
probe_gcp() { get "${GCP}instance/hostname" /tmp/value "$GCP_HEADER"; }
# "user:key" lines to keys (all for root, as LinuxKit).
gcp_keys() { awk '{ i = index($0, ":"); if (i) print substr($0, i + 1) }'; }
extract_gcp() {
	hostname_from "${GCP}instance/hostname" "$GCP_HEADER" || return 1
	keys GCP "${GCP}project/attributes/ssh-keys" "$GCP_HEADER" gcp_keys
	userdata GCP "${GCP}instance/attributes/user-data" "$GCP_HEADER"
}

# --- Hetzner (lk: provider_hetzner.go): the AWS paths, ssh keys as a JSON list.
probe_hetzner() { get "${AWS_META}hostname" /tmp/value; }
json_strings() {
	filter_why="not a JSON list of strings"
	awk -f "$LIB/json.awk" -f "$LIB/strings.awk"
}
extract_hetzner() {
	hostname_from "${AWS_META}hostname" || return 1
	values Hetzner "$AWS_META" "" public-ipv4 public_ipv4 local-ipv4 local_ipv4 instance-id instance_id
	keys Hetzner "${AWS_META}public-keys" "" json_strings
	userdata Hetzner "http://$IMDS/latest/user-data"
}

# --- OpenStack (lk: provider_openstack.go): its EC2-compatible service, as AWS's IMDSv1.
probe_openstack() { get "${AWS_META}hostname" /tmp/value; }
extract_openstack() {
	hostname_from "${AWS_META}hostname" || return 1
	values openstack "$AWS_META" "" public-ipv4 public_ipv4 local-ipv4 local_ipv4 \
		placement/availability-zone availability_zone instance-type instance_type \
		instance-id instance_id local-hostname local_hostname
	keys openstack "${AWS_META}public-keys/0/openssh-key" ""
	userdata openstack "http://$IMDS/latest/user-data"
}

# --- Scaleway (lk: provider_scaleway.go): KEY=VALUE lines at /conf; the user data is only
# given to a client on a privileged source port, which busybox nc can choose.
probe_scaleway() { get "http://$SCALEWAY/conf" /tmp/scaleway.conf; }
conf() { awk -v k="$1=" 'index($0, k) == 1 { printf "%s", substr($0, length(k) + 1); f = 1; exit } END { exit !f }' /tmp/scaleway.conf; }
extract_scaleway() {
	for pair in HOSTNAME:hostname ID:instance_id LOCATION_ZONE_ID:instance_location PUBLIC_IP_ADDRESS:public_ip PRIVATE_IP:private_ip; do
		if conf "${pair%%:*}" >/tmp/value; then
			put /tmp/value "${pair#*:}" 0644
		elif [ "${pair%%:*}" = PUBLIC_IP_ADDRESS ]; then
			log "Scaleway: Failed to get publicIP: http://$SCALEWAY/conf has no PUBLIC_IP_ADDRESS"
		else
			why="http://$SCALEWAY/conf has no ${pair%%:*}"
			return 1
		fi
	done
	scaleway_keys
	scaleway_userdata || log "Scaleway: Failed to get user-data: $why"
}
scaleway_keys() {
	count=$(conf SSH_PUBLIC_KEYS) || { log "Scaleway: Failed to get ssh data: no SSH_PUBLIC_KEYS"; return; }
	case "$count" in '' | *[!0-9]*) log "Scaleway: Failed to get ssh data: SSH_PUBLIC_KEYS=$count is not a number"; return ;; esac
	: >/tmp/keys
	i=0
	while [ "$i" -lt "$count" ]; do
		key=$(conf "SSH_PUBLIC_KEYS_${i}_KEY") || { log "Scaleway: Failed to get ssh data: no SSH_PUBLIC_KEYS_${i}_KEY"; return; }
		printf '%s\n' "$key" | sed "s/^'*//; s/'*\$//" >>/tmp/keys
		i=$((i + 1))
	done
	put_keys /tmp/keys
}
scaleway_userdata() {
	port=1
	while [ $port -lt 1024 ]; do
		raw $SCALEWAY 80 'GET /user_data/cloud-init HTTP/1.0\r\n\r\n' /tmp/userdata $port && return 0
		# a source port in use: the next one; anything else is the answer
		grep -q 'in use' /tmp/raw.err || return 1
		port=$((port + 1))
	done
	why="no free source port below 1024"
	return 1
}

# --- Vultr (lk: provider_vultr.go): no user data (LinuxKit reads none from it).
probe_vultr() { get "$VULTR" /tmp/value; }
extract_vultr() {
	hostname_from "${VULTR}hostname" || return 1
	values Vultr "$VULTR" "" interfaces/0/ipv4/address public_ipv4 interfaces/1/ipv4/address private_ipv4 \
		interfaces/1/ipv4/netmask private_netmask region/regioncode region_code instanceid instance_id
	keys Vultr "${VULTR}public-keys" ""
}

# --- DigitalOcean (lk: provider_digitalocean.go).
probe_digitalocean() { get "$DO" /tmp/value; }
extract_digitalocean() {
	hostname_from "${DO}hostname" || return 1
	values DigitalOcean "$DO" "" interfaces/public/0/ipv4/address public_ipv4 \
		interfaces/private/0/ipv4/address private_ipv4 region region id id
	keys DigitalOcean "${DO}public-keys" ""
	userdata DigitalOcean "${DO}user-data"
}

# --- metaldata (lk: provider_metaldata.go): a service named by DNS (or /etc/hosts).
probe_metaldata() { get "${METALDATA}meta/hostname" /tmp/value; }
extract_metaldata() {
	hostname_from "${METALDATA}meta/hostname" || return 1
	values metaldata "${METALDATA}meta/" "" public-ipv4 public_ipv4 private-ipv4 private_ipv4 \
		failure-domain failure_domain machine-id machine_id machine-type machine_type
	keys metaldata "${METALDATA}meta/authorized-keys" ""
	userdata metaldata "${METALDATA}user"
}

# --- Equinix Metal (lk: provider_equinixmetal.go): HTTPS only, read with fetch.sh's `https`
# (openssl: the certificate's chain and name checked). The probe reads the whole /metadata
# document and checks every value (equinix.awk), so a bad document writes nothing. Extract
# writes the hostname and keys, sets up bond0 from the network data as LinuxKit does, and only
# then reads the user data: over the bond.
EQUINIX=https://metadata.packet.net
probe_equinixmetal() {
	rm -f /tmp/em.*
	https "$EQUINIX/metadata" /tmp/em.json || return 1
	if ! reason=$(awk -v out=/tmp/em -f "$LIB/json.awk" -f "$LIB/equinix.awk" </tmp/em.json); then
		# Go's reading: a body that is not JSON, from a failing status, is that status.
		case "$status:$reason" in 200:*) ;; *:"not JSON"* | *:"not a JSON object") reason="server returned $statusline" ;; esac
		why="$EQUINIX/metadata: $reason"
		return 1
	fi
	[ "$status" = 200 ] || { why="$EQUINIX/metadata: server returned $statusline"; return 1; }
}
extract_equinixmetal() {
	put /tmp/em.hostname hostname 0644 || { why="Failed to write hostname"; return 1; }
	put_keys /tmp/em.keys || { why="Failed to write ssh keys"; return 1; }
	equinix_network || return 1
	https "$EQUINIX/userdata" /tmp/em.userdata || { why="failed to get userdata: $why"; return 1; }
	[ "$status" = 200 ] || { why="failed to get userdata: $EQUINIX/userdata: server returned $statusline"; return 1; }
	# None, or an iPXE script (the machine's boot, not user data): no user data, as LinuxKit.
	[ -s /tmp/em.userdata ] && [ "$(head -c 6 /tmp/em.userdata)" != '#!ipxe' ] && mv /tmp/em.userdata /tmp/userdata
	return 0
}
# ip_step WHAT ARG…: busybox ip ARG…, its failure in $why as "WHAT: ip's message".
ip_step() {
	what=$1
	shift
	ip "$@" 2>/tmp/ip.err && return 0
	why="$what: $(sed 's/^ip: //' /tmp/ip.err | tail -n 1)"
	return 1
}
# The plan of equinix.awk (/tmp/em.net, every value checked): the links with the plan's MACs
# lose their addresses, go down and take the plan's names; bond0 (made below, or by a bonding
# module when it is loaded) gets its mode, comes up and takes them; then its addresses and routes.
equinix_network() {
	while read -r step mac name; do
		[ "$step" = link ] || continue
		for dev in /sys/class/net/*; do
			d=${dev##*/}
			[ "$d" = bond0 ] && continue
			[ "$(cat "$dev/address" 2>/dev/null)" = "$mac" ] || continue
			ip_step "cannot remove the addresses of $d" addr flush dev "$d" || return 1
			ip_step "cannot take $d down" link set "$d" down || return 1
			[ "$d" = "$name" ] || ip_step "cannot rename $d to $name" link set "$d" name "$name" || return 1
		done
	done </tmp/em.net
	# bond0 is asked for over netlink, as LinuxKit's provider does: where bonding is a module
	# (pkg/kernel-debian), the kernel loads it, and the module makes bond0 itself (then ip says it
	# exists). bonding_masters is the driver's own way, where ip cannot.
	if [ ! -d /sys/class/net/bond0 ]; then
		ip link add name bond0 type bond 2>/dev/null || echo +bond0 2>/dev/null >/sys/class/net/bonding_masters
		[ -d /sys/class/net/bond0/bonding ] || { why="cannot create bond0: the kernel has no bonding driver (built in or as a module)"; return 1; }
	fi
	mode=$(awk '$1 == "mode" { print $2 }' /tmp/em.net)
	echo "$mode" 2>/tmp/ip.err >/sys/class/net/bond0/bonding/mode ||
		{ why="cannot write to /sys/class/net/bond0/bonding/mode: $(sed 's/^.*: //' /tmp/ip.err)"; return 1; }
	ip_step "Failed to bring bond0 up" link set bond0 up || return 1
	while read -r step mac name; do
		[ "$step" = link ] || continue
		ip_step "Cannot join $name to bond0" link set "$name" master bond0 || return 1
	done </tmp/em.net
	while read -r step addr net gw; do
		[ "$step" = addr ] || continue
		ip_step "Failed to add $addr to bond0" addr add "$addr" dev bond0 || return 1
		[ "$net" = - ] && continue
		if [ "$gw" = - ]; then
			ip_step "Failed to add a route to $net" route add "$net" dev bond0 || return 1
		else
			ip_step "Failed to add a route to $net via $gw" route add "$net" via "$gw" dev bond0 || return 1
		fi
	done </tmp/em.net
}

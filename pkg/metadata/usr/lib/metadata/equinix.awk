# equinix.awk: Equinix Metal's /metadata document (JSON, read by json.awk, loaded first) checked
# and turned into files under the prefix `out` (-v out=/tmp/em): out.hostname, out.keys (the ssh
# keys joined by "\n", as LinuxKit) and out.net, the network plan that providers.sh carries out,
# one step a line, every value checked here so that it can go to `ip` and sysfs as it is:
#   mode N                       bond0's mode (0–6)
#   link MAC NAME                the link with that MAC is renamed NAME and enslaved to bond0
#   addr ADDRESS/BITS NET GW     an address of bond0, and a route to NET via GW ("-": none)
# The document's own error, or a value that is not what the service sends (a hostile server),
# ends it with status 1 and the reason on stdout, before any file is written.
# Fields as LinuxKit's packngo reads them (lk:pkg/metadata/vendor/github.com/packethost/packngo/metadata).
function refuse(msg) { print msg; exit 1 }
# A value from the server as it may be logged: printable, quoted, at most 64 characters.
function shown(v) { gsub(/[^ -~]/, "?", v); return "\"" (length(v) > 64 ? substr(v, 1, 64) "..." : v) "\"" }
# A field that, when present, must be of JSON type t (s string, n number, b boolean, a array, o object).
function want(node, t, what) {
	if ((node in T) && T[node] != t && T[node] != "z") refuse(what " is not a" (t == "a" || t == "o" ? "n " : " ") name_of[t])
	return (node in T) && T[node] == t
}
function ipv4(a,   f, i, n) {
	n = split(a, f, ".")
	if (n != 4) return 0
	for (i = 1; i <= 4; i++) if (f[i] !~ /^(0|[1-9][0-9]?[0-9]?)$/ || f[i] + 0 > 255) return 0
	return 1
}
function ipv6(a,   halves, n, i, g, groups, total) {
	if (a !~ /^[0-9a-fA-F:]+$/ || a ~ /:::/) return 0
	n = split(a, halves, "::")
	if (n > 2) return 0
	total = 0
	for (i = 1; i <= n; i++) {
		if (halves[i] == "") continue
		g = split(halves[i], groups, ":")
		for (; g > 0; g--) if (groups[g] !~ /^[0-9a-fA-F][0-9a-fA-F]?[0-9a-fA-F]?[0-9a-fA-F]?$/) return 0
		total += split(halves[i], groups, ":")
	}
	return n == 2 ? total < 8 : total == 8
}
# The value of object node's field `key` (described as w.key), "" if absent or null; of type t or refused.
function field(node, key, t, w) { return want(node SUBSEP key, t, w "." key) ? V[node SUBSEP key] : "" }
# Item i of the list at node `list` (described as what), which must be an object: its node, with
# its description in w; "" past the end.
function entry(list, i, what,   it) {
	it = list SUBSEP "#" i
	if (!(it in T)) return ""
	w = what "[" i "]"
	if (T[it] != "o") refuse(w " is not an object")
	return it
}
function ip_of(family, a) { return family == 4 ? ipv4(a) : ipv6(a) }
# Go's net.IP.DefaultMask: the classful network of an IPv4 address (A /8, B /16, C and above /24).
function classful(a,   f) {
	split(a, f, ".")
	if (f[1] < 128) return f[1] ".0.0.0/8"
	if (f[1] < 192) return f[1] "." f[2] ".0.0/16"
	return f[1] "." f[2] "." f[3] ".0/24"
}
BEGIN {
	name_of["s"] = "string"; name_of["n"] = "number"; name_of["b"] = "boolean"; name_of["a"] = "array"; name_of["o"] = "object"
	text = ""
}
{ text = text $0 "\n" }
END {
	if (!json_parse(text)) { print "not JSON: " bad " at offset " p; exit 1 }
	if (T["R"] != "o") { print "not a JSON object"; exit 1 }
	if (want("R" SUBSEP "error", "s", "error") && V["R" SUBSEP "error"] != "") { print "the service says: " V["R" SUBSEP "error"]; exit 1 }
	net = "R" SUBSEP "network"
	want(net, "o", "network")
	mode = 0
	if (want(net SUBSEP "bonding", "o", "network.bonding") && want(net SUBSEP "bonding" SUBSEP "mode", "n", "network.bonding.mode")) {
		mode = V[net SUBSEP "bonding" SUBSEP "mode"]
		if (mode !~ /^[0-6]$/) refuse("network.bonding.mode " shown(mode) " is not a bonding mode (0-6)")
	}
	plan = "mode " mode "\n"
	if (want(net SUBSEP "interfaces", "a", "network.interfaces"))
		for (i = 0; (it = entry(net SUBSEP "interfaces", i, "network.interfaces")) != ""; i++) {
			name = field(it, "name", "s", w)
			mac = field(it, "mac", "s", w)
			# A Linux interface name: 1-15 characters, none of them '/', ':' or blank; fewer here.
			if (name !~ /^[A-Za-z0-9][A-Za-z0-9_.-]*$/ || length(name) > 15) refuse(w ".name " shown(name) " is not an interface name")
			if (name == "bond0") refuse(w ".name is bond0, the bond itself")
			if (mac !~ /^[0-9a-fA-F][0-9a-fA-F](:[0-9a-fA-F][0-9a-fA-F])(:[0-9a-fA-F][0-9a-fA-F])(:[0-9a-fA-F][0-9a-fA-F])(:[0-9a-fA-F][0-9a-fA-F])(:[0-9a-fA-F][0-9a-fA-F])$/)
				refuse(w ".mac " shown(mac) " is not a MAC address")
			plan = plan "link " tolower(mac) " " name "\n"
		}
	if (want(net SUBSEP "addresses", "a", "network.addresses"))
		for (i = 0; (it = entry(net SUBSEP "addresses", i, "network.addresses")) != ""; i++) {
			family = field(it, "address_family", "n", w)
			if (family != "4" && family != "6") refuse(w ".address_family " shown(family) " is not 4 or 6")
			a = field(it, "address", "s", w)
			if (!ip_of(family, a)) refuse(w ".address " shown(a) " is not an IPv" family " address")
			bits = field(it, "cidr", "n", w)
			if (bits !~ /^(0|[1-9][0-9]?[0-9]?)$/ || bits + 0 > (family == 4 ? 32 : 128)) refuse(w ".cidr " shown(bits) " is not a prefix length of IPv" family)
			gw = field(it, "gateway", "s", w)
			if (gw != "" && !ip_of(family, gw)) refuse(w ".gateway " shown(gw) " is not an IPv" family " address")
			public = field(it, "public", "b", w) == "true"
			# LinuxKit's routes: public → the default route of its family, private IPv4 → its classful network.
			route = public ? (family == 4 ? "0.0.0.0/0" : "::/0") : (family == 4 ? classful(a) : "-")
			plan = plan "addr " a "/" bits " " route " " (gw == "" ? "-" : gw) "\n"
		}
	hostname = want("R" SUBSEP "hostname", "s", "hostname") ? V["R" SUBSEP "hostname"] : ""
	keys = ""
	if (want("R" SUBSEP "ssh_keys", "a", "ssh_keys"))
		for (i = 0; ("R" SUBSEP "ssh_keys" SUBSEP "#" i) in T; i++) {
			if (T["R" SUBSEP "ssh_keys" SUBSEP "#" i] != "s") refuse("ssh_keys[" i "] is not a string")
			keys = keys (i ? "\n" : "") V["R" SUBSEP "ssh_keys" SUBSEP "#" i]
		}
	printf "%s", hostname >(out ".hostname")
	printf "%s", keys >(out ".keys")
	printf "%s", plan >(out ".net")
}

# expand.awk: LinuxKit's JSON user data to files (`awk -f json.awk -f expand.awk`, json.awk
# holding the parser). Reads the user data on stdin; if it is a JSON
# object of entries, writes them under `base` (-v base=/run/config):
#   {"ssh": {"entries": {"authorized_keys": {"content": "ssh-ed25519 …", "perm": "0600"}}},
#    "hostname": {"content": "vm1"}}
# gives base/ssh/ (0755) and base/ssh/authorized_keys (0600), base/hostname (0644).
# An entry with "content" (a string) and no "entries" is a file; one with "entries" (an object
# of entries) and no "content" a directory; others are reported as invalid. "perm" is an octal
# string; as LinuxKit (Go, umask 022) the group and others lose write permission.
# Data that is not such a document (not JSON, or a field of the wrong type) is left alone, as
# LinuxKit does: only base/userdata (written by the caller) holds it.
BEGIN { RS = "\001"; if (base == "") base = "/run/config" }
{ doc = doc $0 }
END {
	if (!json_parse(doc)) { printf "metadata: user data is not JSON (%s at offset %d): no files made from it\n", bad, p; exit 0 }
	if (T["R"] != "o") { print "metadata: user data is JSON but not an object: no files made from it"; exit 0 }
	for (i = 1; i <= NK["R"]; i++) if (!valid("R" SUBSEP K["R", i])) {
		print "metadata: user data is JSON but not a LinuxKit entry tree: no files made from it"; exit 0
	}
	for (i = 1; i <= NK["R"]; i++) write(base, K["R", i], "R" SUBSEP K["R", i])
}

# --- LinuxKit's entry tree. Fields as Go's encoding/json fills its Entry struct: a field of
# the wrong type makes the whole document unusable; null is the same as absent.
function has(node, k) { return (node SUBSEP k) in T && T[node SUBSEP k] != "z" }
function valid(node,   f, i) {
	if (T[node] == "z") return 1
	if (T[node] != "o") return 0
	for (f = 1; f <= NK[node]; f++) {
		k = K[node, f]
		if ((k == "perm" || k == "content") && T[node SUBSEP k] != "s" && T[node SUBSEP k] != "z") return 0
		if (k == "entries" && T[node SUBSEP k] == "o")
			for (i = 1; i <= NK[node SUBSEP k]; i++) { if (!valid(node SUBSEP k SUBSEP K[node SUBSEP k, i])) return 0 }
		else if (k == "entries" && T[node SUBSEP k] != "z") return 0
	}
	return 1
}
function q(s) { gsub(/'/, "'\\''", s); return "'" s "'" }
# An octal permission without group/other write (umask 022); -1 if not octal.
function mode(s, def,   i, d, out) {
	if (s == "") s = def
	if (s !~ /^[0-7]+$/ || length(s) > 6) return -1
	while (length(s) < 4) s = "0" s
	while (length(s) > 4 && substr(s, 1, 1) == "0") s = substr(s, 2)
	out = ""
	for (i = 1; i <= length(s); i++) {
		d = substr(s, i, 1) + 0
		if (i >= length(s) - 1 && (d == 2 || d == 3 || d == 6 || d == 7)) d -= 2
		out = out d
	}
	return out
}
function write(dir, name, node,   target, perm, m, i, e) {
	target = dir "/" name
	if (name == "" || name == "." || name == ".." || name ~ /(^|\/)\.\.(\/|$)/) { printf "metadata: %s: a name that leaves the directory, skipped\n", target; return }
	perm = has(node, "perm") ? V[node SUBSEP "perm"] : ""
	if (has(node, "content") && !has(node, "entries")) {
		m = mode(perm, "0644")
		if (m < 0) { printf "metadata: %s: bad permission %s, skipped\n", target, perm; return }
		printf "%s", V[node SUBSEP "content"] > target
		close(target)
		if (system("chmod " m " " q(target)) != 0) printf "metadata: failed to write %s\n", target
	} else if (!has(node, "content") && has(node, "entries")) {
		m = mode(perm, "0755")
		if (m < 0) { printf "metadata: %s: bad permission %s, skipped\n", target, perm; return }
		if (system("mkdir -p " q(target) " && chmod " m " " q(target)) != 0) { printf "metadata: failed to create %s\n", target; return }
		e = node SUBSEP "entries"
		for (i = 1; i <= NK[e]; i++) write(target, K[e, i], e SUBSEP K[e, i])
	} else printf "metadata: %s is invalid (an entry has either content or entries)\n", target
}

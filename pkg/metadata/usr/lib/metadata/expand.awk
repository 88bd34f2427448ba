# expand.awk: LinuxKit's JSON user data to files. Reads the user data on stdin; if it is a JSON
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
	n = length(doc); p = 1; bad = ""
	parse("R")
	ws()
	if (bad == "" && p <= n) bad = "trailing data"
	if (bad != "") { printf "metadata: user data is not JSON (%s at offset %d): no files made from it\n", bad, p; exit 0 }
	if (T["R"] != "o") { print "metadata: user data is JSON but not an object: no files made from it"; exit 0 }
	for (i = 1; i <= NK["R"]; i++) if (!valid("R" SUBSEP K["R", i])) {
		print "metadata: user data is JSON but not a LinuxKit entry tree: no files made from it"; exit 0
	}
	for (i = 1; i <= NK["R"]; i++) write(base, K["R", i], "R" SUBSEP K["R", i])
}

# --- a small JSON parser: T[node] type (o a s n b z), V[node] scalar, K[node, i] keys in order.
function fail(msg) { if (bad == "") bad = msg; p = n + 1 }
function ws() { while (p <= n && index(" \t\r\n", substr(doc, p, 1)) > 0) p++ }
function parse(node,   c) {
	ws(); c = substr(doc, p, 1)
	if (c == "{") object(node)
	else if (c == "[") array(node)
	else if (c == "\"") { T[node] = "s"; V[node] = str() }
	else literal(node)
}
function object(node,   k, c) {
	T[node] = "o"; NK[node] = 0; p++; ws()
	if (substr(doc, p, 1) == "}") { p++; return }
	while (bad == "") {
		ws(); if (substr(doc, p, 1) != "\"") return fail("expected a key")
		k = str(); ws()
		if (substr(doc, p, 1) != ":") return fail("expected ':'")
		p++
		if (!((node, k) in SEEN)) { SEEN[node, k] = 1; K[node, ++NK[node]] = k }
		parse(node SUBSEP k); ws()
		c = substr(doc, p++, 1)
		if (c == "}") return
		if (c != ",") return fail("expected ',' or '}'")
	}
}
function array(node,   i, c) {
	T[node] = "a"; p++; ws(); i = 0
	if (substr(doc, p, 1) == "]") { p++; return }
	while (bad == "") {
		parse(node SUBSEP "#" i++); ws()
		c = substr(doc, p++, 1)
		if (c == "]") return
		if (c != ",") return fail("expected ',' or ']'")
	}
}
function hexval(h,   i, v) {
	v = 0; h = tolower(h)
	for (i = 1; i <= 4; i++) {
		if (index("0123456789abcdef", substr(h, i, 1)) == 0) { fail("bad \\u escape"); return 0 }
		v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
	}
	return v
}
# A code point as UTF-8 bytes.
function utf8(c) {
	if (c < 128) return sprintf("%c", c)
	if (c < 2048) return sprintf("%c%c", 192 + int(c / 64), 128 + c % 64)
	if (c < 65536) return sprintf("%c%c%c", 224 + int(c / 4096), 128 + int(c / 64) % 64, 128 + c % 64)
	return sprintf("%c%c%c%c", 240 + int(c / 262144), 128 + int(c / 4096) % 64, 128 + int(c / 64) % 64, 128 + c % 64)
}
function str(   out, c, e, u, lo) {
	p++; out = ""
	while (p <= n) {
		c = substr(doc, p, 1)
		if (c == "\"") { p++; return out }
		if (c == "\\") {
			e = substr(doc, p + 1, 1); p += 2
			if (e == "n") out = out "\n"
			else if (e == "t") out = out "\t"
			else if (e == "r") out = out "\r"
			else if (e == "b") out = out "\b"
			else if (e == "f") out = out "\f"
			else if (e == "u") {
				u = hexval(substr(doc, p, 4)); p += 4
				# a surrogate pair is one code point
				if (u >= 55296 && u < 56320 && substr(doc, p, 2) == "\\u") {
					lo = hexval(substr(doc, p + 2, 4))
					if (lo >= 56320 && lo < 57344) { u = 65536 + (u - 55296) * 1024 + (lo - 56320); p += 6 }
				}
				out = out utf8(u)
			} else if (e == "\"" || e == "\\" || e == "/") out = out e
			else { fail("bad escape"); return out }
			continue
		}
		out = out c; p++
	}
	fail("unterminated string")
	return out
}
function literal(node,   start, v) {
	start = p
	while (p <= n && index(",}] \t\r\n", substr(doc, p, 1)) == 0) p++
	v = substr(doc, start, p - start)
	if (v == "true" || v == "false") T[node] = "b"
	else if (v == "null") T[node] = "z"
	else if (v ~ /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$/) T[node] = "n"
	else return fail("bad value '" v "'")
	V[node] = v
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

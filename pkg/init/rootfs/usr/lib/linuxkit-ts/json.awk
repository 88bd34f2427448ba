# json.awk: a small JSON reader for the init's shell scripts (busybox has no jq).
# Reads one JSON document on stdin and prints one shell assignment per scalar, ready for `eval`:
#   {"mounts":[{"destination":"/x","options":["bind","ro"]}]}  with  -v prefix=RT_  gives
#   RT_mounts_n=1  RT_mounts_0_destination='/x'  RT_mounts_0_options_n=2
#   RT_mounts_0_options_0='bind'  RT_mounts_0_options_1='ro'
# Keys are joined with "_", characters other than [A-Za-z0-9_] become "_", arrays also get
# NAME_n (their length). Strings are unescaped and single-quoted for the shell; numbers,
# true, false and null are printed as they are. Last comes PREFIX_vars, the names assigned
# (so a caller can unset them). A document that is not JSON exits 2.
BEGIN { RS = "\001"; if (prefix == "") prefix = "J_" }
{ doc = doc $0 }
END {
	n = length(doc); p = 1
	value(prefix)
	ws()
	if (p <= n) fail("trailing data")
	printf "%s_vars='%s'\n", prefix, substr(names, 2)
	exit 0
}
function fail(msg) { printf "json.awk: %s at offset %d\n", msg, p > "/dev/stderr"; exit 2 }
# Whitespace and plain string runs are skipped with one match()/index() each rather than a
# character at a time: busybox awk interprets every step, which is slow under TCG.
function ws() { if (match(substr(doc, p), /^[ \t\r\n]+/)) p += RLENGTH }
function key(path, k) { gsub(/[^A-Za-z0-9_]/, "_", k); return (path ~ /_$/ ? path k : path "_" k) }
function emit(path, v) { gsub(/'/, "'\\''", v); printf "%s='%s'\n", path, v; names = names " " path }
function value(path,   c) {
	ws(); c = substr(doc, p, 1)
	if (c == "{") object(path)
	else if (c == "[") array(path)
	else if (c == "\"") emit(path, string())
	else literal(path)
}
function object(path,   k, c) {
	p++; ws()
	if (substr(doc, p, 1) == "}") { p++; return }
	while (1) {
		ws(); if (substr(doc, p, 1) != "\"") fail("expected a key")
		k = string(); ws()
		if (substr(doc, p, 1) != ":") fail("expected ':'")
		p++
		value(key(path, k)); ws()
		c = substr(doc, p, 1); p++
		if (c == "}") return
		if (c != ",") fail("expected ',' or '}'")
	}
}
function array(path,   i, c) {
	p++; ws(); i = 0
	if (substr(doc, p, 1) == "]") { p++; printf "%s_n=0\n", path; names = names " " path "_n"; return }
	while (1) {
		value(key(path, i)); i++; ws()
		c = substr(doc, p, 1); p++
		if (c == "]") { printf "%s_n=%d\n", path, i; names = names " " path "_n"; return }
		if (c != ",") fail("expected ',' or ']'")
	}
}
function hexval(h,   i, v) {
	v = 0; h = tolower(h)
	for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
	return v
}
function string(   out, c, e, code) {
	p++; out = ""
	while (p <= n) {
		# The run up to the next quote or backslash, at once.
		if (match(substr(doc, p), /^[^"\\]+/)) { out = out substr(doc, p, RLENGTH); p += RLENGTH; continue }
		c = substr(doc, p, 1)
		if (c == "\"") { p++; return out }
		if (c == "\\") {
			e = substr(doc, p + 1, 1); p += 2
			if (e == "n") out = out "\n"
			else if (e == "t") out = out "\t"
			else if (e == "r") out = out "\r"
			else if (e == "b" || e == "f") out = out " "
			else if (e == "u") { code = hexval(substr(doc, p, 4)); p += 4; out = out (code >= 32 && code < 127 ? sprintf("%c", code) : "?") }
			else out = out e
			continue
		}
		out = out c; p++
	}
	fail("unterminated string")
}
function literal(path,   start, v) {
	start = p
	while (p <= n && index(",}] \t\r\n", substr(doc, p, 1)) == 0) p++
	v = substr(doc, start, p - start)
	if (v !~ /^(-?[0-9][0-9.eE+-]*|true|false|null)$/) fail("bad value '" v "'")
	printf "%s=%s\n", path, v; names = names " " path
}

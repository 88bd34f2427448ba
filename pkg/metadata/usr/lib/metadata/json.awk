# json.awk: a small JSON parser for busybox awk, loaded before the program that uses it
# (`awk -f json.awk -f expand.awk`): json_parse(text) fills T[node] with each node's type
# (o object, a array, s string, n number, b boolean, z null), V[node] with a scalar's value and
# K[node, i] / NK[node] with an object's keys in order; an array's items are node SUBSEP "#" i.
# The root is "R". On a syntax error it returns 0 and `bad` says what, at offset `p`.
function json_parse(text) {
	doc = text; n = length(doc); p = 1; bad = ""
	parse("R")
	ws()
	if (bad == "" && p <= n) bad = "trailing data"
	return bad == ""
}
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

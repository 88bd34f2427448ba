# strings.awk: a JSON list of strings on stdin (Hetzner's public-keys) to one string a line on
# stdout (`awk -f json.awk -f strings.awk`). Anything else (not JSON, not a list, an item that is
# not a string) prints nothing and exits 1, as Go's json.Unmarshal into []string fails on it.
BEGIN { RS = "\001" }
{ text = text $0 }
END {
	if (!json_parse(text) || T["R"] != "a") exit 1
	for (i = 0; ("R" SUBSEP "#" i) in T; i++) if (T["R" SUBSEP "#" i] != "s") exit 1
	for (i = 0; ("R" SUBSEP "#" i) in T; i++) print V["R" SUBSEP "#" i]
}

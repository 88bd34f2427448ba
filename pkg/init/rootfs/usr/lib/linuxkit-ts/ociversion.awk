# ociversion.awk: run alongside json.awk (`awk -f ociversion.awk -f json.awk runtime.json`,
# this file first, as json.awk's END exits) so that one awk process per container both reads
# runtime.json and does this:
# crun before 1.9 (Debian 12 has 1.8.1) refuses a config.json whose ociVersion is newer than
# 1.1 ("unknown version specified"), and LinuxKit and linuxkit-ts write the runtime-spec version
# they are built with (1.2.x). The fields they write mean the same in 1.1, so with -v cfg=FILE
# -v out=COPY a config whose version is not 1.0.x or 1.1.x is copied to COPY saying "1.1.0",
# and LK_config='--config COPY' is printed (LK_config='' when no copy is needed). Without cfg it
# prints LK_config='' only. Reads the config whole (RS is json.awk's "\001").
# (A function, not the END block itself: a return there would skip json.awk's END.)
END { printf "LK_config='%s'\n", oci_copy(cfg, out) }
function oci_copy(cfg, out,   c, l, r, v) {
	if (cfg == "") return ""
	c = ""
	while ((r = (getline l < cfg)) > 0) c = c l
	close(cfg)
	if (r < 0) { printf "ociversion.awk: cannot read %s\n", cfg > "/dev/stderr"; return "" }
	# The first "ociVersion" key: the Go encoder writes it first.
	if (!match(c, /"ociVersion"[ \t\r\n]*:[ \t\r\n]*"[^"]*"/)) return ""
	v = substr(c, RSTART, RLENGTH)
	sub(/^"ociVersion"[ \t\r\n]*:[ \t\r\n]*"/, "", v)
	if (v ~ /^1\.[01](\.|"|$)/) return ""
	printf "%s\"ociVersion\": \"1.1.0\"%s", substr(c, 1, RSTART - 1), substr(c, RSTART + RLENGTH) > out
	close(out)
	return "--config " out
}

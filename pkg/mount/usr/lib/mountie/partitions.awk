# Prints the numbers of the Linux partitions of a disk whose first 34 sectors come in as one
# hex byte per line: DOS entries of type 83, or with a protective MBR (type ee) GPT entries
# whose type is "Linux filesystem" (0FC63DAF-8483-4772-8E79-3D69D8477DE4, stored mixed-endian).
{ b[NR - 1] = $1 }
END {
	if (b[510] != "55" || b[511] != "aa") exit 0
	if (b[450] == "ee") {
		# "EFI PART" at LBA 1; entries from LBA 2, 128 bytes each (the usual layout).
		if (b[512] b[513] b[514] b[515] b[516] b[517] b[518] b[519] != "4546492050415254") exit 0
		for (i = 0; i < 128; i++) {
			t = ""
			for (j = 0; j < 16; j++) t = t b[1024 + i * 128 + j]
			if (t == "af3dc60f838472478e793d69d8477de4") print i + 1
		}
		exit 0
	}
	for (i = 0; i < 4; i++) if (b[446 + i * 16 + 4] == "83") print i + 1
}

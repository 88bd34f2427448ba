#!/usr/bin/env bash
# Paired benchmark (print-only): the same `linuxkit build` case run alternately with two checkouts
# of linuxkit-ts (each built: dist/ present), so both see the same machine load; prints each
# side's median wall, CPU (user+sys) and peak RSS, and the ratio B/A. On a shared, noisy machine
# this is the comparison to trust (docs/performance.md).
#
# usage: bench/build-compare.sh ROOT_A ROOT_B [RUNS] [CASE]   (RUNS default 5, CASE default large:tar)
# env:   CACHE=/tmp/lkbench-cache  BENCH=/work/shared/bench  ENV_A="X=1" ENV_B="X=1" (extra environment per side)
# Both sides use the user's unpacked-layer and initrd member caches (warm after the warm-up); to
# compare builds that inflate and compress everything, set both sides' environment to
# "LINUXKIT_LAYER_CACHE=off LINUXKIT_INITRD_CACHE=off".
set -euo pipefail
A=$1 B=$2 RUNS=${3:-5} CASE=${4:-large:tar}
CACHE=${CACHE:-/tmp/lkbench-cache}
BENCH=${BENCH:-/work/shared/bench}
yml=${CASE%%:*} fmt=${CASE#*:}
median() { sort -g | awk '{a[NR]=$1} END {m=int((NR+1)/2); if (NR%2) print a[m]; else printf "%.3f\n", (a[m]+a[m+1])/2}'; }
run() { # root env → "wall cpu rss"
  local out t
  out=$(mktemp -d /tmp/lkbench-out.XXXXXX) t=$(mktemp)
  # shellcheck disable=SC2086
  env $2 /usr/bin/time -v -o "$t" node "$1/bin/linuxkit.js" build --cache "$CACHE" --dir "$out" --name "$yml" -f "$fmt" "$BENCH/$yml.yml" >/dev/null 2>"$out.log" ||
    { cat "$out.log" >&2; exit 1; }
  awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); w=0; for(j=1;j<=n;j++) w=w*60+p[j]} /User time/ {u=$2} /System time/ {s=$2} /Maximum resident/ {r=$2/1024} END {printf "%s %.2f %.0f\n", w, u+s, r}' "$t"
  rm -rf "$out" "$out.log" "$t"
}
echo "paired: $CASE, $RUNS runs each (+1 warm-up), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
run "$A" "${ENV_A:-}" >/dev/null; run "$B" "${ENV_B:-}" >/dev/null
ra=() rb=()
for ((i = 0; i < RUNS; i++)); do ra+=("$(run "$A" "${ENV_A:-}")"); rb+=("$(run "$B" "${ENV_B:-}")"); done
col() { printf '%s\n' "$@" | awk -v c="$COL" '{print $c}' | median; }
for side in A B; do
  if [ $side = A ]; then rs=("${ra[@]}") root=$A; else rs=("${rb[@]}") root=$B; fi
  COL=1 w=$(col "${rs[@]}"); COL=2 c=$(col "${rs[@]}"); COL=3 r=$(col "${rs[@]}")
  printf '%s %-40s wall %6.2f s  cpu %6.2f s  rss %4s MiB   runs(wall/cpu): %s\n' "$side" "$root" "$w" "$c" "$r" "$(printf '%s ' "${rs[@]}" | awk '{for(i=1;i<=NF;i+=3) printf "%s/%s ", $i, $(i+1)}')"
  eval "W$side=$w C$side=$c"
done
awk -v wa="$WA" -v wb="$WB" -v ca="$CA" -v cb="$CB" 'BEGIN {printf "B/A: wall %.2fx, cpu %.2fx\n", wb/wa, cb/ca}'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

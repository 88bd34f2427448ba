#!/usr/bin/env bash
# Benchmark (print-only, never pass/fail): `linuxkit build` of the shared workload
# (/work/shared/bench: large.yml, minimal.yml) from a warm cache, to `tar` and `kernel+initrd`.
# Each case: one warm-up run, then RUNS timed runs, each a fresh process under /usr/bin/time -v;
# prints the median wall time, CPU (user+sys of node and its children), peak RSS (largest
# process) and output sizes, and the ratio to LinuxKit v1.2.0's published figures.
# A case's suffix says how the build's own caches are set: the initrd member cache
# (docs/formats.md) and the unpacked-layer cache (docs/cache.md). `:cold` gives every run new,
# empty ones (a first build after pulling the images), `:warm` (the default) one of each shared
# by the warm-up and the timed runs (every later build of images already used), `:off` none
# (LINUXKIT_INITRD_CACHE=off LINUXKIT_LAYER_CACHE=off: inflate and compress everything).
#
# usage: npm run build && bench/build.sh [RUNS]        (RUNS default 5)
# env:   CACHE=/tmp/lkbench-cache  (make it with /work/shared/bench/make-images.sh CACHE)
#        BENCH=/work/shared/bench
#        CASES="large:tar:cold large:tar:warm large:kernel+initrd:cold large:kernel+initrd:warm minimal:tar:cold minimal:tar:warm minimal:kernel+initrd:cold minimal:kernel+initrd:warm"
#        NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof"  (extra node flags, e.g. to profile)
set -euo pipefail
RUNS=${1:-5}
CACHE=${CACHE:-/tmp/lkbench-cache}
BENCH=${BENCH:-/work/shared/bench}
CASES=${CASES:-"large:tar:cold large:tar:warm large:kernel+initrd:cold large:kernel+initrd:warm minimal:tar:cold minimal:tar:warm minimal:kernel+initrd:cold minimal:kernel+initrd:warm"}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[ -d "$CACHE/blobs" ] || { echo "no OCI layout at $CACHE (run $BENCH/make-images.sh $CACHE)" >&2; exit 2; }
[ -f "$ROOT/dist/src/cli/main.js" ] || { echo "build first: npm run build" >&2; exit 2; }

# LinuxKit v1.2.0 on a 2-core machine of this kind (bench README): wall s, cpu s, peak RSS MiB.
lk() {
  case $1 in
    large:kernel+initrd*) echo "5.23 7.31 407" ;;
    large:tar*) echo "3.48 3.61 408" ;;
    minimal:kernel+initrd*) echo "2.27 3.04 448" ;;
    minimal:tar*) echo "1.86 2.10 366" ;;
  esac
}
median() { sort -g | awk '{a[NR]=$1} END {m=int((NR+1)/2); if (NR%2) print a[m]; else printf "%.3f\n", (a[m]+a[m+1])/2}'; }

echo "linuxkit build benchmark: $(nproc) cores, node $(node --version), cache $CACHE, $RUNS runs + 1 warm-up per case"
echo "NOTE: this machine is shared and noisy (other jobs run at the same time; ±25 % between runs is usual):"
echo "      compare medians run in the same session, and read ratios, not absolute figures."
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '\n%-27s %8s %8s %9s  %-34s %s\n' case wall_s cpu_s rss_MiB "ratio to LinuxKit (wall cpu rss)" outputs
for c in $CASES; do
  IFS=: read -r yml fmt mode <<<"$c"
  walls=() cpus=() rsss=()
  members=$(mktemp -d /tmp/lkbench-members.XXXXXX)
  layers=$(mktemp -d /tmp/lkbench-layers.XXXXXX)
  for ((i = 0; i <= RUNS; i++)); do
    out=$(mktemp -d /tmp/lkbench-out.XXXXXX)
    t=$(mktemp)
    case $mode in
      cold) rm -rf "$members" "$layers" && mkdir "$members" "$layers" && initrd_cache=$members layer_cache=$layers ;;
      off) initrd_cache=off layer_cache=off ;;
      *) initrd_cache=$members layer_cache=$layers ;;
    esac
    # shellcheck disable=SC2086
    LINUXKIT_INITRD_CACHE=$initrd_cache LINUXKIT_LAYER_CACHE=$layer_cache /usr/bin/time -v -o "$t" node ${NODE_FLAGS:-} "$ROOT/bin/linuxkit.js" build --cache "$CACHE" --dir "$out" \
      --name "$yml" -f "$fmt" "$BENCH/$yml.yml" 2>"$out.log" >/dev/null || { cat "$out.log" "$t" >&2; exit 1; }
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(j=1;j<=n;j++) s=s*60+p[j]; print s}' "$t")
    cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$t")
    rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$t")
    sizes=$(cd "$out" && for f in *; do printf '%s=%.1fMB ' "${f#"$yml"}" "$(echo "$(stat -c %s "$f") / 1000000" | bc -l)"; done)
    rm -rf "$out" "$out.log" "$t"
    if ((i > 0)); then walls+=("$wall"); cpus+=("$cpu"); rsss+=("$rss"); fi
  done
  rm -rf "$members" "$layers"
  w=$(printf '%s\n' "${walls[@]}" | median)
  u=$(printf '%s\n' "${cpus[@]}" | median)
  r=$(printf '%s\n' "${rsss[@]}" | median)
  read -r lw lu lr <<<"$(lk "$c")"
  ratio=$(awk -v w="$w" -v u="$u" -v r="$r" -v lw="$lw" -v lu="$lu" -v lr="$lr" 'BEGIN {printf "%.2fx %.2fx %.2fx", w/lw, u/lu, r/lr}')
  printf '%-27s %8.2f %8.2f %9s  %-34s %s\n' "$c" "$w" "$u" "$r" "$ratio" "$sizes"
  echo "    runs: wall ${walls[*]} | cpu ${cpus[*]} | rss ${rsss[*]}" 
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(ratios are against LinuxKit v1.2.0's figures in $BENCH/README.md, measured on another 2-core machine of this kind)"

#!/usr/bin/env bash
# Vigil next to Apache Flink 2.3 (local), the same 14 features on the same events, in one run: see README.md here.
#
#   perf/peer/run.sh [--events N] [--parallelism P] [--runs R] [--rate R] [--edge-events E] [--work DIR] [--fresh]
#
# 1. builds cli/target/vigil.jar if missing and this project (Maven, under the shared lock /tmp/vigil-mvn.lock);
# 2. records N events with `vigil demo` into WORK/data (kept and reused by later runs with the same N; --fresh redoes it)
#    and exports its input journal's transactions to WORK/events.bin for Flink;
# 3. Vigil: `replay run --dry-run --no-model` R times in one JVM, then `replay export --format csv` (the features);
# 4. Flink: the features job R times in one JVM (a fresh local cluster each, parallelism P), then once more writing
#    the features;
# 5. compares the two sets of features bit for bit (exit 1 on any mismatch) and prints the figures and the ratio;
# 6. the same comparison (no timing) on an edge-case journal of E events (default 200000; 0 skips it): late events,
#    gaps of days, half-day rotations, window edges, three tenants, events that validation rejects.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

events=1000000
parallelism=2
runs=3
rate=100000
edge=200000
work="$here/target/run"
fresh=0
while [ $# -gt 0 ]; do
  case "$1" in
    --events) events="$2"; shift 2 ;;
    --parallelism) parallelism="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --edge-events) edge="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --fresh) fresh=1; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

jar="$root/cli/target/vigil.jar"
opts="$root/cli/target/jvm.options"
classes="$here/target/classes"
cpfile="$here/target/flink.classpath"
timefmt='%e %U %S'   # /usr/bin/time: wall, user, system seconds of the whole JVM process

load() { cut -d' ' -f1-3 /proc/loadavg; }
nocolour() { sed -u 's/\x1b\[[0-9;]*m//g'; }   # Maven's console library writes reset codes even with -q
echo "== machine: $(nproc) CPUs, load average $(load) (1, 5, 15 min) at the start; $(date -u +%FT%TZ)"

if [ ! -f "$jar" ] || [ ! -f "$opts" ]; then
  echo "== building cli/target/vigil.jar (mvn -pl cli -am package -DskipTests, under /tmp/vigil-mvn.lock)"
  (cd "$root" && flock /tmp/vigil-mvn.lock mvn -B -q -Dstyle.color=never -pl cli -am package -DskipTests) 2>&1 | nocolour
fi
stamp="$here/target/.built"   # Maven leaves flink.classpath untouched when it does not change: a stamp of our own
if [ ! -f "$stamp" ] || [ ! -f "$cpfile" ] || [ "$jar" -nt "$stamp" ] \
   || [ -n "$(find "$here/src" "$here/pom.xml" -newer "$stamp" -type f -print -quit)" ]; then
  echo "== building perf/peer (Flink $(sed -n 's:.*<flink.version>\(.*\)</flink.version>.*:\1:p' "$here/pom.xml"))"
  flock /tmp/vigil-mvn.lock mvn -B -q -Dstyle.color=never -f "$here/pom.xml" package 2>&1 | nocolour
  touch "$stamp"
fi
flinkcp="$classes:$(cat "$cpfile")"
vigilcp="$jar:$classes"
have_time=0; [ -x /usr/bin/time ] && have_time=1
timed() { # timed NAME CMD...: runs CMD, its whole-process wall/user/sys into $work/NAME.time
  if [ "$have_time" = 1 ]; then /usr/bin/time -f "$timefmt" -o "$work/$1.time" "${@:2}"; else "${@:2}"; fi
}

mkdir -p "$work"
data="$work/data"
if [ "$fresh" = 1 ] || [ "$(cat "$work/data.events" 2>/dev/null)" != "$events" ]; then
  echo "== recording $events events with vigil demo (--rate $rate) into $data"
  rm -rf "$data" "$work/data.events" "$work/events.bin"
  java @"$opts" -jar "$jar" demo --events "$events" --rate "$rate" --data "$data" > "$work/demo.log" 2>&1 \
    || { echo "run.sh: vigil demo failed, see $work/demo.log" >&2; tail -5 "$work/demo.log" >&2; exit 1; }
  grep -E '^(sent|answered|actions|journals)' "$work/demo.log" | sed 's/^/   /'
  echo "$events" > "$work/data.events"
fi
if [ ! -f "$work/events.bin" ]; then
  java @"$opts" -cp "$vigilcp" io.vigil.peer.vigil.ExportEvents --data "$data" --out "$work/events.bin" | sed 's/^/   /'
fi

echo "== Vigil: replay run --dry-run --no-model, $runs runs in one JVM (load $(load))"
timed vigil java @"$opts" -cp "$vigilcp" io.vigil.peer.vigil.ReplayRuns --data "$data" --runs "$runs" \
  > "$work/vigil.log" 2> "$work/vigil.err" || { cat "$work/vigil.err" >&2; exit 1; }
grep -E '^vigil run' "$work/vigil.log" | sed 's/^/   /'
echo "== Vigil: replay export --format csv (its feature vectors)"
java @"$opts" -jar "$jar" replay export --data "$data" --format csv --out "$work/vigil-features.csv" 2>/dev/null \
  | sed -n 's/^  \(.*rows.*\)/   \1/p'

echo "== Flink: the features job, $runs runs in one JVM, parallelism $parallelism, then one writing the features (load $(load))"
timed flink java ${FLINK_JAVA_OPTS:-} -cp "$flinkcp" io.vigil.peer.flink.FlinkFeaturesJob --events "$work/events.bin" \
  --out "$work/flink-features" --parallelism "$parallelism" --runs "$runs" > "$work/flink.log" 2> "$work/flink.err" \
  || { tail -20 "$work/flink.err" >&2; cat "$work/flink.log" >&2; exit 1; }
grep -E '^flink run' "$work/flink.log" | sed 's/^/   /'
load_end="$(load)"

echo "== bit-for-bit comparison"
status=0
java -cp "$classes" io.vigil.peer.Compare --vigil "$work/vigil-features.csv" --flink "$work/flink-features" \
  > "$work/compare.log" || status=1
grep -v '^RESULT' "$work/compare.log" | sed 's/^/   /'
vdigest="$(sed -n 's/^RESULT compare .*digest=\([0-9a-f]*\).*/\1/p' "$work/compare.log")"
if grep '^RESULT flink' "$work/flink.log" | grep -qv "digest=$vdigest"; then
  echo "   a Flink run's digest differs from Vigil's ($vdigest): see $work/flink.log"; status=1
else
  echo "   every Flink run's digest equals Vigil's ($vdigest): the timed runs computed the same bits"
fi

if [ "$edge" -gt 0 ]; then
  echo "== bit-for-bit comparison on an edge-case journal ($edge events, Flink parallelism $parallelism)"
  ework="$work/edge"
  if [ "$(cat "$ework/data.events" 2>/dev/null)" != "$edge" ]; then
    rm -rf "$ework"; mkdir -p "$ework"
    java @"$opts" -cp "$vigilcp" io.vigil.peer.vigil.EdgeJournal --data "$ework/data" --events "$edge" | sed 's/^/   /'
    java @"$opts" -cp "$vigilcp" io.vigil.peer.vigil.ExportEvents --data "$ework/data" --out "$ework/events.bin" > /dev/null
    echo "$edge" > "$ework/data.events"
  fi
  java @"$opts" -jar "$jar" replay export --data "$ework/data" --format csv --out "$ework/vigil-features.csv" \
    > /dev/null 2>&1 || { echo "run.sh: replay export of the edge-case journal failed" >&2; exit 1; }
  java ${FLINK_JAVA_OPTS:-} -cp "$flinkcp" io.vigil.peer.flink.FlinkFeaturesJob --events "$ework/events.bin" \
    --out "$ework/flink-features" --parallelism "$parallelism" --runs 0 > "$ework/flink.log" 2> "$ework/flink.err" \
    || { tail -20 "$ework/flink.err" >&2; exit 1; }
  java -cp "$classes" io.vigil.peer.Compare --vigil "$ework/vigil-features.csv" --flink "$ework/flink-features" \
    > "$ework/compare.log" || status=1
  grep -v '^RESULT' "$ework/compare.log" | sed 's/^/   /'
fi

echo "== figures ($events events; load average $load_end at the end of the Flink runs)"
{ grep '^RESULT vigil' "$work/vigil.log"; grep '^RESULT flink' "$work/flink.log"; } | awk '
  function v(k,   i, kv) { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] } return "" }
  { side = $2; run = v("run") + 0; rows = v("rows"); wall = v("wall_ns") / 1e9; cpu = v("cpu_ns") / 1e9
    if (side == "vigil") { inner = v("inner_ns") / 1e9; what = "replay (journal read to last event)" }
    else { inner = v("span_ns") / 1e9; net = v("net_ns") / 1e9; what = "first record to end" }
    w = v("write") == "true" ? " (writes)" : ""
    printf "   %-5s run %d%-9s %11s events/s wall %6.3f s | %11s events/s %s %6.3f s", side, run, w,
      fmt(rows / wall), wall, fmt(rows / inner), what, inner
    if (side == "flink") printf " | job net runtime %6.3f s (%s/s)", net, fmt(rows / net)
    printf " | CPU %5.2f s (%.2f us/event)\n", cpu, cpu * 1e6 / rows
    if (v("write") == "true") next
    key = side
    if (run == 1) { first[key] = rows / wall; firstIn[key] = rows / inner }
    if (rows / wall > best[key]) best[key] = rows / wall
    if (rows / inner > bestIn[key]) bestIn[key] = rows / inner
    if (side == "flink" && rows / net > bestNet) bestNet = rows / net
    if (!(key in bestCpu) || cpu / rows < bestCpu[key]) bestCpu[key] = cpu / rows
  }
  function fmt(x,   s, r) { s = sprintf("%.0f", x); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } return s r }
  END {
    printf "   RATIO Vigil/Flink, events/s over the wall time of each run: first run %.2f, best run %.2f\n",
      first["vigil"] / first["flink"], best["vigil"] / best["flink"]
    printf "   RATIO Vigil/Flink without start/stop (Vigil: the replay loop; Flink: first record to end): first %.2f, best %.2f; against Flink job net runtime, best %.2f\n",
      firstIn["vigil"] / firstIn["flink"], bestIn["vigil"] / bestIn["flink"], bestIn["vigil"] / bestNet
    printf "   RATIO Flink/Vigil CPU per event, best runs: %.2f\n", bestCpu["flink"] / bestCpu["vigil"]
  }'
if [ "$have_time" = 1 ]; then
  read -r vw vu vs < "$work/vigil.time"; read -r fw fu fs < "$work/flink.time"
  printf '   whole JVMs (/usr/bin/time): Vigil %s s wall, %.2f s CPU (%s runs); Flink %s s wall, %.2f s CPU (%s timed runs + 1 writing)\n' \
    "$vw" "$(awk "BEGIN { print $vu + $vs }")" "$runs" "$fw" "$(awk "BEGIN { print $fu + $fs }")" "$runs"
fi
echo "   logs and files: $work"
exit "$status"

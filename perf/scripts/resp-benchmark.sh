#!/usr/bin/env bash
# RESP read latency under concurrent feature updates: redis-benchmark (Debian redis-tools) with HGETALL and HMGET
# against Vigil's RESP port while FeatureLoadMain keeps the features of ACCOUNTS accounts changing at RATE events/s,
# and against a real redis-server (Debian redis-server) holding the same keys with the same values, in one run,
# alternated; prints p50/p99 of each. Not part of CI; loopback only. Redis gets the keys by a copy of Vigil's values
# once every account exists (resp-copy.py; as account:<12-digit id>, the names __rand_int__ makes); while it is
# measured it also takes the mirror's check-and-set write of every update (vigil.mirror.redis.url, keys
# vigil:1:account:<id>), so both servers serve the reads under the same write rate.
#
#   flock /tmp/vigil-mvn.lock mvn -B -q -pl cli,perf -am package -DskipTests    # the two jars
#   perf/scripts/resp-benchmark.sh                                               # ACCOUNTS RATE REQUESTS CLIENTS ROUNDS
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ACCOUNTS=${ACCOUNTS:-20000}
RATE=${RATE:-20000}
REQUESTS=${REQUESTS:-100000}
CLIENTS=${CLIENTS:-20}
ROUNDS=${ROUNDS:-2}
SECRET=resp-benchmark-secret
jar="$root/cli/target/vigil.jar"; bench="$root/perf/target/benchmarks.jar"; opts="$root/cli/target/jvm.options"
for f in "$jar" "$bench" "$opts"; do [ -f "$f" ] || { echo "missing $f: build first (see the header)" >&2; exit 2; }; done
for t in redis-benchmark redis-server redis-cli python3; do command -v $t >/dev/null || { echo "needs $t (apt-get install redis-tools redis-server)" >&2; exit 2; }; done

work="$(mktemp -d)"; pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
gport=$(free_port); vport=$(free_port); rport=$(free_port)

redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
VIGIL_CREDENTIAL=$SECRET VIGIL_RESP_ENABLED=true VIGIL_RESP_PORT=$vport VIGIL_ADMIN_ENABLED=false \
  VIGIL_MIRROR_REDIS_URL=redis://127.0.0.1:$rport \
  java @"$opts" -jar "$jar" run --port "$gport" --data "$work/data" >"$work/vigil.log" 2>&1 &
pids+=($!)
for i in $(seq 100); do redis-cli -p "$vport" PING >/dev/null 2>&1 && redis-cli -p "$rport" PING >/dev/null 2>&1 && break; sleep 0.2; done

seconds=$(( 30 + ROUNDS * 4 * (REQUESTS / 10000 + 5) ))
java @"$opts" -cp "$bench" io.vigil.perf.FeatureLoadMain 127.0.0.1 "$gport" "$SECRET" "$ACCOUNTS" "$RATE" "$seconds" \
  >"$work/load.log" 2>&1 &
pids+=($!)
for i in $(seq 600); do grep -q seeded "$work/load.log" && break; sleep 0.2; done
cat "$work/load.log"
python3 "$root/perf/scripts/resp-copy.py" "$vport" "$SECRET" "$rport" "$ACCOUNTS" "account:"
sleep 2

echo "machine: $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(redis-server --version | cut -d' ' -f1-3)"
echo "load: $RATE feature updates/s over $ACCOUNTS accounts while reading; redis-benchmark -n $REQUESTS -c $CLIENTS -r $ACCOUNTS"
printf '%-8s %-30s %10s %9s %9s %9s\n' server command "req/s" "p50 ms" "p99 ms" "max ms"
for round in $(seq "$ROUNDS"); do
  for cmd in "HGETALL account:__rand_int__" "HMGET account:__rand_int__ count_1m amount_z log_sum_1h"; do
    for server in vigil redis; do
      if [ $server = vigil ]; then port=$vport; auth=(-a "$SECRET"); else port=$rport; auth=(); fi
      # shellcheck disable=SC2086
      line=$(redis-benchmark -h 127.0.0.1 -p "$port" "${auth[@]}" -n "$REQUESTS" -c "$CLIENTS" -r "$ACCOUNTS" --csv $cmd 2>/dev/null | tail -1)
      IFS=, read -r _ rps _ _ p50 _ p99 max <<<"$(echo "$line" | tr -d '"')"
      printf '%-8s %-30s %10s %9s %9s %9s   (load %s)\n' $server "${cmd%% *}" "$rps" "$p50" "$p99" "$max" "$(cut -d' ' -f1 /proc/loadavg)"
    done
  done
done
echo "mirrored keys in Redis (vigil:1:account:<id>, written while measuring): $(redis-cli -p "$rport" --scan --pattern 'vigil:1:*' | wc -l)"
grep -E "RESP feature server|mirroring" "$work/vigil.log" | sed 's/^.*\] //' | head -2 || true

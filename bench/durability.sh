#!/usr/bin/env bash
# The durability benchmark: QoS 1, 10 publishers to 10 persistent subscribers (pairs), 64 B, max rate, against
# `starling serve` with sync Always, sync Periodic and in memory, a fresh broker for each, in one run.
#   bench/durability.sh [-d SECONDS] [-r REPETITIONS] [-p PORT]
# Prints one line per run and a table of medians with the ratio to in-memory throughput.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=10 REPS=3 PORT=18870
while getopts "d:r:p:" o; do case $o in d) DUR=$OPTARG ;; r) REPS=$OPTARG ;; p) PORT=$OPTARG ;; *) exit 2 ;; esac; done
dotnet build src/Starling.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
STARLING=src/Starling.Cli/bin/Release/net10.0/starling
OUT=$(mktemp -d /tmp/starling-durability-XXXX)
run() { # name, serve flags...
  local name=$1; shift
  for rep in $(seq 1 "$REPS"); do
    local data="$OUT/data-$name-$rep"
    "$STARLING" serve --bind 127.0.0.1 --port "$PORT" --data-dir "$data" "$@" >"$OUT/serve-$name-$rep.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 100); do grep -q "Starling listening" "$OUT/serve-$name-$rep.log" && break; sleep 0.1; done
    "$STARLING" bench run --port "$PORT" --scenario pairs --publishers 10 --qos 1 --payload 64 --persistent \
      --duration "$DUR" --warmup 2 --json 2>/dev/null | sed "s/^{/{\"store\":\"$name\",/" | tee -a "$OUT/results.jsonl"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
}
run in-memory --in-memory
run always
STARLING_Broker__Sync=Periodic run periodic
/usr/bin/python3 - "$OUT/results.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med = lambda store, key: statistics.median(r[key] for r in rows if r["store"] == store)
base = med("in-memory", "received_per_s")
print("| store | msgs/s (median) | ratio to in-memory | p50 us | p99 us | lost | duplicates |")
print("|---|---:|---:|---:|---:|---:|---:|")
for store in ["in-memory", "always", "periodic"]:
    if not any(r["store"] == store for r in rows): continue
    lost = sum(r["lost"] for r in rows if r["store"] == store); dup = sum(r["duplicates"] for r in rows if r["store"] == store)
    print(f"| {store} | {med(store,'received_per_s'):,.0f} | {med(store,'received_per_s')/base:.2f} | {med(store,'p50_us'):,.0f} | {med(store,'p99_us'):,.0f} | {lost} | {dup} |")
PY

#!/usr/bin/env bash
# compare.sh: Starling side by side with Mosquitto, MQTTnet and any extra peer: the same `starling bench` load
# against each broker on this machine, a fresh broker per scenario, medians over repetitions, one Markdown table
# per mode.
#
#   bench/compare.sh [-m both|unpinned|pinned] [-s LETTERS] [-d SECS] [-w SECS] [-x SECS] [-r REPS]
#                    [-b BROKERS] [-e NAME='COMMAND with {port}']... [-C N] [-o DIR]
#
# Options:
#   -m MODE     unpinned, pinned or both (both). Pinned runs the broker under 'taskset -c 0' and the load
#               generator under 'taskset -c 1', so neither steals the other's core.
#   -s LETTERS  scenarios, e.g. abc or a,b,c (abcdefghi); see below
#   -d SECS     measured seconds per run (10)          -w SECS  warm-up seconds inside each run (2)
#   -x SECS     unrecorded warm-up run after each broker start, so JIT-compiled brokers are measured warm
#               (5; 0 = none; for g it is a 1,000-connection run)
#   -r REPS     measured runs per scenario and broker (3)
#   -b BROKERS  comma-separated list from starling, mosquitto, mqttnet and the -e names
#               (default starling,mosquitto,mqttnet; -e peers are added to it)
#   -e NAME=CMD an extra peer; CMD is run by bash (exec'd, so it should not fork) with {port} replaced by the
#               port, and must listen on 127.0.0.1:{port}. Repeatable. Example, a FlashMQ built by hand:
#               -e flashmq='/opt/flashmq/flashmq --config-file /tmp/flashmq-{port}.conf'  (that config file
#               is the caller's to write; nothing of FlashMQ's lives in this repository)
#   -C N        connections for g (19000: the fd hard limit here is 20000 per process)
#   -o DIR      output directory (/tmp/compare-DATE): raw.jsonl (one JSON line per measured run: the bench's
#               JSON plus _broker, _mode, _scen, _rep, broker_cpu_percent, broker_rss_bytes), every run's
#               stdout/stderr, broker logs, summary.md
#
# Brokers, each started fresh on a free 127.0.0.1 port for every scenario (and for every repetition of g, so its
# RSS starts from a fresh process), all with nothing on disk and no in-flight or queue caps:
#   starling   src/Starling.Cli/bin/Release/net10.0/starling serve --bind 127.0.0.1 --port P --in-memory,
#              log level Warning (no line per connect, as the Mosquitto config has)
#   mosquitto  Debian's mosquitto (installed if missing) with bench/peers/mosquitto-bench.conf, port rewritten
#   mqttnet    bench/peers/MqttnetHost (MQTTnet.Server 5.2.0.1603; workstation concurrent GC like Starling)
# The script builds src/Starling.Cli and bench/peers/MqttnetHost in Release first.
#
# Method: the broker's pid is the process listening on the port (ss), so a broker command must exec into the
# broker rather than fork it. After the start, one unrecorded warm-up run; then before each measured run the
# script waits until the broker is idle (< 5% CPU over 0.5 s). Broker CPU % is read from /proc/PID/stat over the
# measured window, which the bench's once-a-second progress lines on stderr mark (the window opens at the line
# that ends the -w warm-up and closes -d seconds later); for g, with -w 0, or without progress lines it covers the
# whole run (raw.jsonl says which: broker_cpu_window). The broker is stopped with SIGTERM, and SIGKILL after 10 s.
#
# Scenarios (64-byte payloads; load from `starling bench`):
#   a/b/c  fan-in 10 publishers -> 1 subscriber, QoS 0/1/2, max rate           metric: received msg/s
#   d      fan-out 1 -> 1000 subscribers, QoS 0, max rate                        metric: received msg/s
#          (end-to-end window 300 messages = 300,000 deliveries in flight: enough to keep 1,000 subscribers busy,
#          little enough for a slow broker to drain in seconds after each run)
#   e      fan-out 1 -> 100 subscribers, QoS 0, 500 msg/s                        metric: p99 and p50 latency
#   f      10 pairs, QoS 1, 1000 msg/s each                                      metric: p99 and p50 latency
#   g      -C idle connections from 4 source addresses, held 5 s                metric: connects/s, RSS/connection
#   h      10 QoS 1 pairs at max rate beside 10,000 idle clients, each with its own subscription
#   i      the same pairs without idle clients                                   metric: h/i throughput ratio
# A scenario whose options this build of `starling bench` rejects is skipped with a message.
# Loss, duplicates and reordering are summed per broker; at QoS 1/2 anything but 0 prints a WARNING line.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
ROOT=$(pwd)

MODES=both SCENS=abcdefghi DUR=10 WARM=2 XWARM=5 REPS=3 BROKERS=starling,mosquitto,mqttnet CONNS=19000 OUT=""
declare -A EXTRA=()
EXTRA_NAMES=()
usage() { sed -n '2,52p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while getopts "m:s:d:w:x:r:b:e:C:o:h" o; do
  case $o in
    m) MODES=$OPTARG ;; s) SCENS=${OPTARG//,/} ;; d) DUR=$OPTARG ;; w) WARM=$OPTARG ;; x) XWARM=$OPTARG ;;
    r) REPS=$OPTARG ;; b) BROKERS=$OPTARG ;; C) CONNS=$OPTARG ;; o) OUT=$OPTARG ;;
    e) name=${OPTARG%%=*}
       [[ $OPTARG == *=* && $name =~ ^[A-Za-z0-9_-]+$ ]] || { echo "compare: -e wants NAME='COMMAND with {port}'" >&2; exit 2; }
       EXTRA[$name]=${OPTARG#*=}; EXTRA_NAMES+=("$name") ;;
    *) usage ;;
  esac
done
for n in "$DUR" "$WARM" "$XWARM" "$REPS" "$CONNS"; do
  [[ $n =~ ^[0-9]+$ ]] || { echo "compare: -d, -w, -x, -r and -C take whole numbers" >&2; exit 2; }
done
[ "$DUR" -gt 0 ] && [ "$REPS" -gt 0 ] || { echo "compare: -d and -r must be at least 1" >&2; exit 2; }
case $MODES in both) MODES="unpinned pinned" ;; unpinned|pinned) ;; *) usage ;; esac
[[ $SCENS =~ ^[a-i]+$ ]] || { echo "compare: scenarios are letters a to i" >&2; exit 2; }
BROKER_LIST=()
for b in ${BROKERS//,/ } "${EXTRA_NAMES[@]}"; do
  case " ${BROKER_LIST[*]} " in *" $b "*) continue ;; esac
  case $b in starling|mosquitto|mqttnet) ;; *) [ -n "${EXTRA[$b]:-}" ] || { echo "compare: unknown broker $b (no -e $b=...)" >&2; exit 2; } ;; esac
  BROKER_LIST+=("$b")
done
[ -n "$OUT" ] || OUT="/tmp/compare-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "compare: $PY is needed for the summary" >&2; exit 2; }
if [[ $MODES == *pinned* && $MODES != unpinned ]] && [ "$(nproc)" -lt 2 ]; then
  echo "compare: pinned mode needs 2 CPUs" >&2; exit 2; fi
has_broker() { case " ${BROKER_LIST[*]} " in *" $1 "*) return 0 ;; esac; return 1; }

# 1. Mosquitto from Debian, the way test.sh installs its packages (as root, or through sudo without a password).
MOSQUITTO=""
if has_broker mosquitto; then
  if ! MOSQUITTO=$(command -v mosquitto || command -v /usr/sbin/mosquitto); then
    echo "compare: installing Debian's mosquitto" >&2
    sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo -n)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mosquitto >&2 ||
      { echo "compare: could not install mosquitto (needs root or passwordless sudo)" >&2; exit 1; }
    MOSQUITTO=/usr/sbin/mosquitto
  fi
fi

# 2. Release builds: Starling (broker and load generator) and the MQTTnet host.
dotnet build src/Starling.Cli -c Release -nologo -clp:ErrorsOnly >&2
STARLING="$ROOT/src/Starling.Cli/bin/Release/net10.0/starling"
MQTTNET_HOST="$ROOT/bench/peers/MqttnetHost/bin/Release/net10.0/MqttnetHost"
if has_broker mqttnet; then dotnet build bench/peers/MqttnetHost -c Release -nologo -clp:ErrorsOnly >&2; fi

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true   # brokers and the bench inherit the highest allowed fd limit
HZ=$(getconf CLK_TCK)

# Ports: a fresh one per broker start (no TIME_WAIT of an earlier run on it), below the ephemeral range.
NEXT_PORT=$((20000 + ($$ % 400) * 25))
PORT=""
free_port() {
  while :; do
    NEXT_PORT=$((NEXT_PORT + 1)); [ "$NEXT_PORT" -lt 32000 ] || NEXT_PORT=20001
    if [ -z "$(ss -Htan "( sport = :$NEXT_PORT or dport = :$NEXT_PORT )")" ]; then PORT=$NEXT_PORT; return; fi
  done
}
listener_pid() { { ss -Hltnp "sport = :$PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; } || true; }
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_bytes() { awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }

broker_command() { # name port -> CMD array
  case $1 in
    starling) CMD=(env STARLING_Logging__LogLevel__Default=Warning "$STARLING" serve --bind 127.0.0.1 --port "$2" --in-memory) ;;
    mosquitto) sed "s/^listener 1883 /listener $2 /" bench/peers/mosquitto-bench.conf >"$OUT/mosquitto-$2.conf"
               CMD=("$MOSQUITTO" -c "$OUT/mosquitto-$2.conf") ;;
    mqttnet) CMD=("$MQTTNET_HOST" --port "$2") ;;
    *) CMD=(bash -c "exec ${EXTRA[$1]//\{port\}/$2}") ;;
  esac
}

BPID="" LPID=""
start_broker() { # name cpu-list-or-empty
  free_port
  broker_command "$1" "$PORT"
  echo "# $(date +%T) start $1 on port $PORT: ${CMD[*]}" >>"$OUT/broker-$1.log"
  if [ -n "$2" ]; then taskset -c "$2" "${CMD[@]}" >>"$OUT/broker-$1.log" 2>&1 &
  else "${CMD[@]}" >>"$OUT/broker-$1.log" 2>&1 & fi
  BPID=$!
  for _ in $(seq 1 300); do
    LPID=$(listener_pid)
    [ -n "$LPID" ] && break
    kill -0 "$BPID" 2>/dev/null || { echo "compare: $1 exited at start; see $OUT/broker-$1.log" >&2; BPID=""; return 1; }
    sleep 0.2
  done
  [ -n "$LPID" ] || { echo "compare: $1 did not listen on port $PORT within 60 s" >&2; stop_broker; return 1; }
  if [ -n "$2" ]; then taskset -p "$LPID" >>"$OUT/broker-$1.log" 2>&1 || true; fi
  if ss -Hltn "sport = :$PORT" | awk '{ print $4 }' | grep -qv '^127\.0\.0\.1:'; then
    echo "compare: warning: $1 listens on an address other than 127.0.0.1" >&2; fi
}
stop_broker() {
  [ -n "$BPID" ] || return 0
  local pids=$BPID
  # the listening process too, if the command forked it (only ever a child of ours)
  if [ -n "$LPID" ] && [ "$LPID" != "$BPID" ] && [ "$(ps -o ppid= -p "$LPID" | tr -d ' ')" = "$BPID" ]; then pids="$LPID $BPID"; fi
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 $pids 2>/dev/null || break; sleep 0.2; done
  kill -KILL $pids 2>/dev/null || true
  wait "$BPID" 2>/dev/null || true
  BPID="" LPID=""
}
# The bench runs in the background and is waited for, so that a signal to this script stops it and the broker at once.
BENCH_PID=""
stop_bench() { if [ -n "$BENCH_PID" ]; then kill -TERM "$BENCH_PID" 2>/dev/null || true; wait "$BENCH_PID" 2>/dev/null || true; BENCH_PID=""; fi; }
trap 'stop_bench; stop_broker' EXIT
trap 'exit 130' INT TERM

wait_idle() { # until the broker uses < 5% CPU over 0.5 s (an earlier run's backlog is gone), at most 30 s
  local t1 t2
  for _ in $(seq 1 60); do
    t1=$(cpu_ticks "$LPID"); sleep 0.5; t2=$(cpu_ticks "$LPID")
    [ $(( (t2 - t1) * 100 )) -lt $(( HZ * 5 / 2 )) ] && return 0
  done
}

# Connection-heavy runs (g, h, i) bind their clients to fresh loopback source addresses each time: the clients
# close first, so every run leaves its ports in TIME_WAIT for a minute, and reusing the same addresses makes the
# next runs' port selection crawl (measured: 18,000 -> 700 connects/s by the third run) or fail outright.
RUNSEQ=0 SRC4=""
next_sources() { RUNSEQ=$((RUNSEQ + 1)); local n=$(( (RUNSEQ % 200) + 20 )) m=$(( $$ % 250 ))
  SRC4="127.$n.$m.1,127.$n.$m.2,127.$n.$m.3,127.$n.$m.4"; }
next_sources
scen_kind() { [ "$1" = g ] && echo conn || echo run; }
scen_args() { # scenario: the bench arguments that define it (without host, port, duration, output)
  case $1 in
    a) echo "run --scenario fanin -P 10 -S 1 -q 0 -b 64 -r 0" ;;
    b) echo "run --scenario fanin -P 10 -S 1 -q 1 -b 64 -r 0" ;;
    c) echo "run --scenario fanin -P 10 -S 1 -q 2 -b 64 -r 0" ;;
    d) echo "run --scenario fanout -P 1 -S 1000 -q 0 -b 64 -r 0 --e2e-window 300" ;;
    e) echo "run --scenario fanout -P 1 -S 100 -q 0 -b 64 -r 500" ;;
    f) echo "run --scenario pairs -P 10 -q 1 -b 64 -r 1000" ;;
    g) echo "conn -c $CONNS --hold 5 --source-addresses $SRC4" ;;
    h) echo "run --scenario pairs -P 10 -q 1 -b 64 -r 0 --idle 10000 --source-addresses $SRC4" ;;
    i) echo "run --scenario pairs -P 10 -q 1 -b 64 -r 0 --source-addresses $SRC4" ;;
  esac
}
measured_args() { # scenario port broker-pid
  if [ "$(scen_kind "$1")" = conn ]; then echo "$(scen_args "$1") --host 127.0.0.1 --port $2 --broker-pid $3 --json"
  else echo "$(scen_args "$1") --host 127.0.0.1 --port $2 -d $DUR -w $WARM --json"; fi
}
warmup_args() { # scenario port broker-pid
  if [ "$(scen_kind "$1")" = conn ]; then echo "conn -c 1000 --hold 1 --source-addresses $SRC4 --host 127.0.0.1 --port $2 --broker-pid $3 --json"
  else echo "$(scen_args "$1") --host 127.0.0.1 --port $2 -d $XWARM -w 0 --json"; fi
}

# 3. Which scenarios this build of `starling bench` accepts: each one's options against a port nobody listens on.
# A parse error prints the usage text; anything else (connection refused) means the options were accepted.
SCEN_LIST=()
: >"$OUT/skipped.txt"
for scen in $(echo "$SCENS" | grep -o .); do
  case " ${SCEN_LIST[*]} " in *" $scen "*) continue ;; esac
  free_port
  # shellcheck disable=SC2046
  timeout 30 "$STARLING" bench $(warmup_args "$scen" "$PORT" $$) >"$OUT/probe.out" 2>"$OUT/probe.err" || true
  if grep -q '^Usage:' "$OUT/probe.out"; then
    why=$(tr -s '\n\t' '  ' <"$OUT/probe.err" | cut -c1-200)
    echo "compare: scenario $scen skipped: this starling bench rejects '$(scen_args "$scen")': $why" | tee -a "$OUT/skipped.txt" >&2
  else
    SCEN_LIST+=("$scen")
  fi
done
rm -f "$OUT/probe.out" "$OUT/probe.err"

{
  echo "# compare.sh $(date -Is) host=$(hostname) cpus=$(nproc) kernel=$(uname -r)"
  if commit=$(git rev-parse --short HEAD 2>/dev/null); then
    git diff --quiet HEAD -- src || commit="$commit, src/ with uncommitted changes"
  else commit="(not a git checkout)"; fi
  echo "# starling $commit: broker and load generator"
  if has_broker mosquitto; then echo "# mosquitto: $("$MOSQUITTO" -h 2>/dev/null | head -1 || true)"; fi
  if has_broker mqttnet; then
    echo "# mqttnet: bench/peers/MqttnetHost, $(grep -o 'MQTTnet.Server" Version="[^"]*' Directory.Packages.props | tr -d '"' | sed 's/ Version=/ /')"; fi
  for name in "${EXTRA_NAMES[@]}"; do echo "# $name: ${EXTRA[$name]}"; done
  echo "# modes=$MODES scenarios=${SCEN_LIST[*]:-none} reps=$REPS duration=${DUR}s warmup=${WARM}s warm-up run=${XWARM}s brokers=${BROKER_LIST[*]}"
} | tee "$OUT/header.txt" >&2

warm_up() { # mode scen broker
  next_sources
  [ "$XWARM" != 0 ] || return 0
  # shellcheck disable=SC2046
  timeout 900 "${gpin[@]}" "$STARLING" bench $(warmup_args "$2" "$PORT" "$LPID") >"$OUT/$1-$2-$3-warmup.txt" 2>&1 &
  BENCH_PID=$!
  wait "$BENCH_PID" || true
  BENCH_PID=""
}

measure() { # mode scen broker rep
  next_sources
  local base="$OUT/$1-$2-$3-$4" kind line now first="" opened="" t1 s1 t2="" s2="" window=whole
  kind=$(scen_kind "$2")
  wait_idle
  t1=$(cpu_ticks "$LPID"); s1=${EPOCHREALTIME/./}
  : >"$base.err"
  rm -f "$OUT/progress.fifo"; mkfifo "$OUT/progress.fifo"
  # shellcheck disable=SC2046
  timeout 900 "${gpin[@]}" "$STARLING" bench $(measured_args "$2" "$PORT" "$LPID") >"$base.json" 2>"$OUT/progress.fifo" &
  BENCH_PID=$!
  # The bench's stderr is read line by line as it comes. Its progress lines come once a second from the end of the
  # connects, the first one a second into the warm-up: the measured window opens at the line -w - 1 s after the
  # first and closes at the line -d s after that (half a second of slack either way, for late or extra lines).
  while IFS= read -r line; do
    printf '%s\n' "$line" >>"$base.err"
    [ "$kind" = run ] && [ "$WARM" -gt 0 ] && [[ $line == sent*received* ]] || continue
    now=${EPOCHREALTIME/./}
    [ -n "$first" ] || first=$now
    if [ -z "$opened" ]; then
      if [ "$now" -ge $((first + (WARM - 1) * 1000000 - 500000)) ]; then t1=$(cpu_ticks "$LPID"); s1=$now; opened=1; fi
    elif [ -z "$t2" ] && [ "$now" -ge $((s1 + DUR * 1000000 - 500000)) ]; then
      t2=$(cpu_ticks "$LPID"); s2=$now; window=measured
    fi
  done <"$OUT/progress.fifo"
  wait "$BENCH_PID" || true
  BENCH_PID=""
  rm -f "$OUT/progress.fifo"
  if [ -z "$t2" ]; then
    t2=$(cpu_ticks "$LPID"); s2=${EPOCHREALTIME/./}
    if [ -n "$opened" ]; then window=to-exit; fi
  fi
  local rss; rss=$(rss_bytes "$LPID")
  "$PY" - "$base.json" "$OUT/raw.jsonl" "$3" "$1" "$2" "$4" "$t1" "$t2" "$s1" "$s2" "$HZ" "$rss" "$window" <<'EOF'
import json, sys
src, raw, broker, mode, scen, rep, t1, t2, s1, s2, hz, rss, window = sys.argv[1:]
lines = [l for l in open(src) if l.startswith("{")]
row = json.loads(lines[-1]) if lines else {"ok": False}
elapsed = (int(s2) - int(s1)) / 1e6
row.update(_broker=broker, _mode=mode, _scen=scen, _rep=int(rep), broker_rss_bytes=int(rss), broker_cpu_window=window,
           broker_cpu_percent=round((int(t2) - int(t1)) / int(hz) / elapsed * 100, 1) if elapsed > 0 else None)
with open(raw, "a") as f:
    f.write(json.dumps(row) + "\n")
if not lines:
    print(f"  [{mode} {scen} {broker} {rep}] no result; see {src[:-5]}.err", file=sys.stderr)
elif "received_per_s" in row:
    print(f"  [{mode} {scen} {broker} {rep}] received {row['received_per_s']:,.0f}/s p50 {row['p50_us']:,.0f} us p99 {row['p99_us']:,.0f} us"
          f" lost {row['lost']} dup {row['duplicates']} reordered {row['reordered']}; broker CPU {row['broker_cpu_percent']}%", file=sys.stderr)
else:
    print(f"  [{mode} {scen} {broker} {rep}] {row.get('connections')} connections ({row.get('failed')} failed),"
          f" {row.get('connects_per_s')} connects/s, {row.get('rss_per_connection_bytes')} B/connection; broker CPU {row['broker_cpu_percent']}%", file=sys.stderr)
EOF
}

for mode in $MODES; do
  bpin="" gpin=()
  if [ "$mode" = pinned ]; then bpin=0; gpin=(taskset -c 1); fi
  for scen in "${SCEN_LIST[@]}"; do
    echo "# $(date +%T) $mode $scen: $(scen_args "$scen")" >&2
    for broker in "${BROKER_LIST[@]}"; do
      if [ "$(scen_kind "$scen")" = conn ]; then
        for rep in $(seq 1 "$REPS"); do
          start_broker "$broker" "$bpin" || continue
          warm_up "$mode" "$scen" "$broker"
          measure "$mode" "$scen" "$broker" "$rep"
          stop_broker
        done
      else
        start_broker "$broker" "$bpin" || continue
        warm_up "$mode" "$scen" "$broker"
        for rep in $(seq 1 "$REPS"); do measure "$mode" "$scen" "$broker" "$rep"; done
        stop_broker
      fi
    done
  done
done

# 4. The summary: a table per mode, then loss, duplicates and reordering per broker.
touch "$OUT/raw.jsonl"
"$PY" - "$OUT" "$REPS" "$(IFS=,; echo "${BROKER_LIST[*]}")" "$MODES" "${SCEN_LIST[*]:-}" <<'EOF' | tee "$OUT/summary.md"
import json, statistics, sys
out, reps, brokers, modes, scens = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(","), sys.argv[4].split(), sys.argv[5].split()
rows = [json.loads(l) for l in open(f"{out}/raw.jsonl") if l.strip()]
header = open(f"{out}/header.txt").read()
skipped = open(f"{out}/skipped.txt").read()
label = {"starling": "Starling", "mosquitto": "Mosquitto", "mqttnet": "MQTTnet"}
name = lambda b: label.get(b, b)
title = {
    "a": "a: fan-in 10→1, QoS 0, max rate", "b": "b: fan-in 10→1, QoS 1, max rate", "c": "c: fan-in 10→1, QoS 2, max rate",
    "d": "d: fan-out 1→1000, QoS 0, max rate", "e": "e: fan-out 1→100, QoS 0, 500 msg/s",
    "f": "f: 10 pairs, QoS 1, 1000 msg/s each", "g": "g: idle connections, 4 source addresses",
    "h": "h: 10 QoS 1 pairs, max rate, + 10,000 idle subscribers", "i": "i: 10 QoS 1 pairs, max rate",
}
metrics = {  # scenario -> [(row label, JSON field, format)]
    **{s: [("received msg/s", "received_per_s", "{:,.0f}")] for s in "abcdi"},
    "e": [("p99 µs", "p99_us", "{:,.0f}"), ("p50 µs", "p50_us", "{:,.0f}")],
    "f": [("p99 µs", "p99_us", "{:,.0f}"), ("p50 µs", "p50_us", "{:,.0f}")],
    "g": [("connects/s", "connects_per_s", "{:,.0f}"), ("RSS bytes/connection", "rss_per_connection_bytes", "{:,.0f}")],
    "h": [("received msg/s", "received_per_s", "{:,.0f}")],
}

def values(mode, scen, broker, field):
    # a run that received nothing has no latency (the bench reports 0 then)
    return [r[field] for r in rows if r["_mode"] == mode and r["_scen"] == scen and r["_broker"] == broker
            and r.get(field) is not None and r.get("ok", True) and not (field.endswith("_us") and not r.get("received"))]

def cell(vals, fmt):
    if not vals:
        return "—"
    text = fmt.format(statistics.median(vals))
    if len(vals) > 1:
        text += f" ({fmt.format(min(vals))}–{fmt.format(max(vals))})"
    if len(vals) < reps:
        text += f" [{len(vals)} of {reps} runs]"
    return text

def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "—"

median = lambda v: statistics.median(v) if v else None
others = [b for b in brokers if b != "starling"] if "starling" in brokers else []
print(header.rstrip())
if skipped.strip():
    print("\n" + skipped.rstrip())
warnings = []
for mode in modes:
    print(f"\n## {mode}\n")
    print("| scenario | metric | " + " | ".join(name(b) for b in brokers) + "".join(f" | Starling/{name(b)}" for b in others) + " |")
    print("|---|---|" + "---:|" * (len(brokers) + len(others)))
    for scen in scens:
        lines = list(metrics[scen]) + [("broker CPU %", "broker_cpu_percent", "{:,.0f}")]
        for text, field, fmt in lines:
            vals = {b: values(mode, scen, b, field) for b in brokers}
            cells = [cell(vals[b], fmt) for b in brokers]
            ratios = [ratio(median(vals["starling"]), median(vals[b])) for b in others]
            print(f"| {title[scen]} | {text} | " + " | ".join(cells + ratios) + " |")
        if scen == "h" and "i" in scens:
            h = {b: median(values(mode, "h", b, "received_per_s")) for b in brokers}
            i = {b: median(values(mode, "i", b, "received_per_s")) for b in brokers}
            hi = {b: h[b] / i[b] if h[b] is not None and i[b] else None for b in brokers}
            cells = [f"{hi[b]:.2f}" if hi[b] is not None else "—" for b in brokers]
            print(f"| h/i: pairs beside 10,000 idle subscribers vs alone | h/i msg/s ratio | " + " | ".join(cells + [ratio(hi["starling"], hi[b]) if "starling" in hi else "—" for b in others]) + " |")
    print("\nStarling/X > 1: Starling's figure is the higher one (better for msg/s and connects/s; worse for µs, CPU % and bytes).")
    print("Broker CPU %: 100 = one core busy, over the measured window (g: the whole run; broker_cpu_window in raw.jsonl).\n")
    print("| scenario | broker | runs | lost | duplicates | reordered | connections failed / dropped |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for scen in scens:
        for b in brokers:
            rs = [r for r in rows if r["_mode"] == mode and r["_scen"] == scen and r["_broker"] == b]
            ok = [r for r in rs if r.get("ok", True)]
            total = lambda k: sum(r.get(k, 0) or 0 for r in ok)
            lost, dup, reo, failed, dropped = total("lost"), total("duplicates"), total("reordered"), total("failed"), total("dropped")
            print(f"| {scen} | {name(b)} | {len(ok)} of {len(rs)} | {lost} | {dup} | {reo} | {failed} / {dropped} |")
            qos = max((r.get("qos", 0) for r in ok), default=0)
            if qos >= 1 and (lost or dup or reo):
                warnings.append(f"WARNING !!! {mode} {scen} {name(b)}: QoS {qos} lost {lost}, duplicates {dup}, reordered {reo}: must all be 0")
            if failed or dropped:
                warnings.append(f"WARNING !!! {mode} {scen} {name(b)}: {failed} connections failed, {dropped} dropped by the broker")
            if len(ok) < len(rs) or len(rs) < reps:
                warnings.append(f"WARNING: {mode} {scen} {name(b)}: {len(ok)} of {reps} runs gave a result (see the .err files)")
if warnings:
    print()
    for w in warnings:
        print(w)
print(f"\nRaw results: {out}/raw.jsonl")
EOF

#!/usr/bin/env bash
# Runs every BenchmarkDotNet benchmark briefly (in process, 4096 invocations per iteration so one-time costs such as
# first-call initialisation are amortised away: the allocation figure is per operation; the timings are not meaningful)
# and compares bytes allocated per operation with bench/alloc-budgets.json.
# Prints one line per benchmark and a final "N passed, M failed" line; exits non-zero on any regression, on a
# benchmark without a budget, or on a budget without a benchmark.
# Usage: bench/check-alloc-budgets.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
artifacts=$(mktemp -d)
trap 'rm -rf "$artifacts"' EXIT
build_flag=()
[ "${1:-}" = "--no-build" ] && build_flag=(--no-build)
# The large data sets (a million subscriptions, retained topics) at 1%: bytes per operation do not depend on size.
STARLING_BENCH_SCALE=0.01 dotnet run -c Release "${build_flag[@]}" --project bench/Starling.Benchmarks -- \
  --filter '*' --inProcess --memory --warmupCount 1 --iterationCount 1 --invocationCount 4096 --unrollFactor 1 --exporters json --artifacts "$artifacts" > "$artifacts/run.log" 2>&1 || {
  cat "$artifacts/run.log"; echo "0 passed, 1 failed"; exit 1; }
/usr/bin/python3 - "$artifacts" bench/alloc-budgets.json <<'PY'
import glob, json, sys
artifacts, budget_file = sys.argv[1], sys.argv[2]
budgets = {k: v for k, v in json.load(open(budget_file)).items() if not k.startswith("_")}
# One-time costs spread over 4096 invocations can add a byte per operation; one real allocation is 24 bytes or more.
SLACK = 8
measured = {}
for path in glob.glob(f"{artifacts}/results/*-report-full-compressed.json"):
    for b in json.load(open(path))["Benchmarks"]:
        name = f'{b["Type"]}.{b["Method"]}'
        measured[name] = b["Memory"]["BytesAllocatedPerOperation"]
passed = failed = 0
for name in sorted(set(budgets) | set(measured)):
    if name not in measured:
        print(f"FAIL {name}: has a budget but did not run"); failed += 1
    elif name not in budgets:
        print(f"FAIL {name}: {measured[name]} B/op but no budget in {budget_file}"); failed += 1
    elif measured[name] > budgets[name] + SLACK:
        print(f"FAIL {name}: {measured[name]} B/op > budget {budgets[name]} B/op"); failed += 1
    else:
        print(f"ok   {name}: {measured[name]} B/op (budget {budgets[name]})"); passed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY

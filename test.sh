#!/usr/bin/env bash
# Starling's whole test run, as README.md gives it and .ci/run calls it: installs what the tests need, restores,
# builds in Release (warnings are errors), runs every test project and the allocation budget check, and ends with
# one line of totals over all of them: "N passed, M failed, K skipped".
set -uo pipefail
cd "$(dirname "$0")"

# 1. Debian packages the tests run for real (a reference broker and clients no one here wrote).
need=()
for pkg in mosquitto mosquitto-clients python3-paho-mqtt; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || {
    echo "apt-get install ${need[*]} failed"; echo "0 passed, 1 failed"; exit 1; }
fi

# MQTT.js for the interop tests, at the versions pinned by tests/Starling.Interop.Tests/js/package-lock.json.
(cd tests/Starling.Interop.Tests/js && npm ci --no-audit --no-fund >/dev/null) || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }

# 2. Restore and build in Release.
if ! dotnet build Starling.slnx -c Release -warnaserror -nologo -clp:ErrorsOnly; then
  echo "Build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# 3. Every test project, with a TRX report each for the totals.
rm -rf TestResults
dotnet test --solution Starling.slnx -c Release --no-build --report-xunit-trx --results-directory TestResults
test_rc=$?

# 4. Allocation budgets of the hot-path benchmarks.
bench/check-alloc-budgets.sh --no-build | tee TestResults/alloc-budgets.txt
budget_rc=${PIPESTATUS[0]}

/usr/bin/python3 - "$test_rc" "$budget_rc" <<'PY'
import glob, re, sys
import xml.etree.ElementTree as ET
test_rc, budget_rc = int(sys.argv[1]), int(sys.argv[2])
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob("TestResults/**/*.trx", recursive=True):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    get = lambda name: int(counters.get(name, "0"))
    passed += get("passed")
    failed += get("failed") + get("error") + get("timeout") + get("aborted")
    skipped += get("notExecuted")
if test_rc != 0 and failed == 0:
    failed = 1  # the runner failed without a test failing (crash, no tests run): never report green
budget = open("TestResults/alloc-budgets.txt").read()
m = re.search(r"^(\d+) passed, (\d+) failed$", budget, re.M)
if m:
    passed += int(m.group(1)); failed += int(m.group(2))
elif budget_rc != 0:
    failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(0 if failed == 0 else 1)
PY

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

# 3. Every test project; the runner's aggregated summary block gives the totals.
rm -rf TestResults
mkdir -p TestResults
dotnet test --solution Starling.slnx -c Release --no-build 2>&1 | tee TestResults/dotnet-test.txt
test_rc=${PIPESTATUS[0]}

# 4. Allocation budgets of the hot-path benchmarks.
bench/check-alloc-budgets.sh --no-build | tee TestResults/alloc-budgets.txt
budget_rc=${PIPESTATUS[0]}

/usr/bin/python3 - "$test_rc" "$budget_rc" <<'PY'
import re, sys
test_rc, budget_rc = int(sys.argv[1]), int(sys.argv[2])
# The summary block dotnet test prints after all projects: "total: N", "failed: N", "succeeded: N", "skipped: N".
text = open("TestResults/dotnet-test.txt", encoding="utf-8", errors="replace").read()
summary = text[text.rfind("Test run summary"):] if "Test run summary" in text else ""
def count(name):
    m = re.search(r"^\s*" + name + r":\s*(\d+)", summary, re.M)
    return int(m.group(1)) if m else 0
passed, failed, skipped = count("succeeded"), count("failed"), count("skipped")
if test_rc != 0 and failed == 0:
    failed = 1  # the runner failed without a test failing (crash, nothing ran): never report green
budget = open("TestResults/alloc-budgets.txt").read()
m = re.search(r"^(\d+) passed, (\d+) failed$", budget, re.M)
if m:
    passed += int(m.group(1)); failed += int(m.group(2))
elif budget_rc != 0:
    failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(0 if failed == 0 else 1)
PY

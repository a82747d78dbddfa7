#!/usr/bin/env bash
# The project's test command: builds the solution once, runs every test project listed in
# VirtTools.slnx, then every tests/Pester/*.Tests.ps1 under real Pester (tests/run-pester.ps1, on the pwsh
# pinned in .config/dotnet-tools.json), prints each suite's summary and then one line:
# "Total: N passed, N failed, N skipped". Exits non-zero when a test failed, a Pester file failed to load
# or a project failed to build or run. Results: TestResults/Pester.xml (NUnit XML).
# VIRTTOOLS_PESTER_VERSION=5.7.1 runs the Pester files under another Pester from NuGet (default 6.2.0).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# One project's run may not hang the whole CI budget.
PROJECT_TIMEOUT="${VIRTTOOLS_TEST_TIMEOUT:-2400}"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

passed=0 failed=0 skipped=0 status=0
summaries=()

echo "== dotnet tool restore"
if ! dotnet tool restore; then
    echo "run-tests: dotnet tool restore failed (pwsh from .config/dotnet-tools.json); no tests ran." >&2
    echo "Total: 0 passed, 0 failed, 0 skipped"
    exit 1
fi

echo "== dotnet build VirtTools.slnx"
started=$SECONDS
if ! dotnet build VirtTools.slnx -nologo; then
    echo "run-tests: the build failed; no tests ran." >&2
    echo "Total: 0 passed, 0 failed, 0 skipped"
    exit 1
fi
build_took=$((SECONDS - started))

# Test projects are the solution's projects that mark themselves as tests or use the test SDK.
mapfile -t projects < <(grep -o 'Path="[^"]*\.csproj"' VirtTools.slnx | sed 's/^Path="//; s/"$//' | while read -r p; do
    if grep -qE '<IsTestProject>\s*true\s*</IsTestProject>|Microsoft\.NET\.Test\.Sdk' "$p"; then echo "$p"; fi
done)

if [ "${#projects[@]}" -eq 0 ]; then
    echo "run-tests: no test project found in VirtTools.slnx." >&2
    echo "Total: 0 passed, 0 failed, 0 skipped"
    exit 1
fi

# Adds one suite's counts to the totals: record NAME EXIT-CODE PASSED FAILED SKIPPED, or NAME EXIT-CODE
# alone when the suite printed no summary (which fails the run).
record() {
    local name=$1 rc=$2 took=$((SECONDS - started))
    if [ $# -lt 5 ]; then
        summaries+=("$name: no test summary (exit code $rc, ${took} s)")
        status=1
        return
    fi
    passed=$((passed + $3)) failed=$((failed + $4)) skipped=$((skipped + $5))
    summaries+=("$name: $3 passed, $4 failed, $5 skipped (exit code $rc, ${took} s)")
    if [ "$rc" -ne 0 ] || [ "$4" -ne 0 ]; then status=1; fi
}

for p in "${projects[@]}"; do
    name=$(basename "$p" .csproj)
    log="$logs/$name.log"
    echo "== dotnet test $p"
    started=$SECONDS
    timeout "$PROJECT_TIMEOUT" dotnet test "$p" --no-build -nologo 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    # vstest's closing line: "Passed!  - Failed: 0, Passed: 12, Skipped: 1, Total: 13, Duration: ..."
    summary=$(grep -E '(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" | tail -n 1)
    # shellcheck disable=SC2046 # the three counts are meant to split into words
    record "$name" "$rc" $(sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\2 \1 \3/' <<<"$summary")
done

echo "== Pester tests/Pester"
started=$SECONDS
log="$logs/Pester.log"
# A test tree with a symlink loop inside TestDrive once made Pester eat 24 GB: cap the managed heap so
# such a run fails on its own instead of taking the machine down.
DOTNET_GCHeapHardLimit="${DOTNET_GCHeapHardLimit:-0x200000000}" \
    timeout "$PROJECT_TIMEOUT" dotnet pwsh -NoProfile -NonInteractive -File tests/run-pester.ps1 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# tests/run-pester.ps1's closing line: "Pester: 163 passed, 0 failed, 0 skipped (...)"
summary=$(grep -E '^Pester: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$log" | tail -n 1)
# shellcheck disable=SC2046
record Pester "$rc" $(sed -E 's/^Pester: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/' <<<"$summary")

echo "== Summary"
echo "Build: ${build_took} s"
printf '%s\n' "${summaries[@]}"
echo "Total: $passed passed, $failed failed, $skipped skipped"
exit "$status"

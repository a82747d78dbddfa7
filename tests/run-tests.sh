#!/usr/bin/env bash
# The project's test command: builds the solution once, runs every test project listed in
# VirtTools.slnx, prints each project's summary and then one line: "Total: N passed, N failed, N skipped".
# Exits non-zero when a test failed or a project failed to build or run.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# One project's run may not hang the whole CI budget.
PROJECT_TIMEOUT="${VIRTTOOLS_TEST_TIMEOUT:-2400}"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

passed=0 failed=0 skipped=0 status=0
summaries=()

echo "== dotnet build VirtTools.slnx"
if ! dotnet build VirtTools.slnx -nologo; then
    echo "run-tests: the build failed; no tests ran." >&2
    echo "Total: 0 passed, 0 failed, 0 skipped"
    exit 1
fi

# Test projects are the solution's projects that mark themselves as tests or use the test SDK.
mapfile -t projects < <(grep -o 'Path="[^"]*\.csproj"' VirtTools.slnx | sed 's/^Path="//; s/"$//' | while read -r p; do
    if grep -qE '<IsTestProject>\s*true\s*</IsTestProject>|Microsoft\.NET\.Test\.Sdk' "$p"; then echo "$p"; fi
done)

if [ "${#projects[@]}" -eq 0 ]; then
    echo "run-tests: no test project found in VirtTools.slnx." >&2
    echo "Total: 0 passed, 0 failed, 0 skipped"
    exit 1
fi

for p in "${projects[@]}"; do
    name=$(basename "$p" .csproj)
    log="$logs/$name.log"
    echo "== dotnet test $p"
    timeout "$PROJECT_TIMEOUT" dotnet test "$p" --no-build -nologo 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    # vstest's closing line: "Passed!  - Failed: 0, Passed: 12, Skipped: 1, Total: 13, Duration: ..."
    summary=$(grep -E '(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" | tail -n 1)
    if [ -z "$summary" ]; then
        summaries+=("$name: no test summary (exit code $rc)")
        status=1
        continue
    fi
    f=$(sed -E 's/.*Failed: +([0-9]+),.*/\1/' <<<"$summary")
    ps=$(sed -E 's/.*Passed: +([0-9]+),.*/\1/' <<<"$summary")
    s=$(sed -E 's/.*Skipped: +([0-9]+),.*/\1/' <<<"$summary")
    passed=$((passed + ps)) failed=$((failed + f)) skipped=$((skipped + s))
    summaries+=("$name: $ps passed, $f failed, $s skipped (exit code $rc)")
    if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then status=1; fi
done

echo "== Summary"
printf '%s\n' "${summaries[@]}"
echo "Total: $passed passed, $failed failed, $skipped skipped"
exit "$status"

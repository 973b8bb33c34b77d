#!/usr/bin/env bash
# Runs one libFuzzer target and prints one line: executions, coverage (cov:, ft:) and
# crashes. The committed corpus is replayed first; new inputs go to build/work/<name>,
# so a run never changes the committed corpus. A crash, leak, timeout or sanitizer report
# fails the run and leaves the input in build/crash-<name>-*.
#   fuzz_run.sh <name> short            a few seconds of mutation
#   fuzz_run.sh <name> long <runs>      until <runs> executions (or LONG_TIME seconds)
set -uo pipefail
cd "$(dirname "$0")"
name=$1 mode=$2
bin=build/$name
log=build/log/$name.$mode.log
mkdir -p build/log "build/work/$name"
opts=(-max_len=4096 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 -print_final_stats=1
      "-artifact_prefix=build/crash-$name-")
if [ "$mode" = short ]; then
  # npm test: a fixed seed, so a run that finds nothing new behaves the same each time
  # (new findings come from `long`, which draws a fresh seed).
  opts+=("-max_total_time=${SHORT_TIME:-2}" "-seed=${SEED:-1}")
else
  opts+=("-runs=${3:-10000000}" "-max_total_time=${LONG_TIME:-0}")
fi
start=$(date +%s)
"$bin" "${opts[@]}" "build/work/$name" "corpus/$name" >"$log" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
crashes=$(find build -maxdepth 1 -name "crash-$name-*" -newermt "@$start" | wc -l)
printf '%-16s %10s execs %5ss  %-22s crashes: %s\n' "$name" "${execs:-?}" "$secs" "${cov:-cov: ? ft: ?}" "$crashes"
if [ $rc -ne 0 ]; then
  echo "$name: FAILED (exit $rc), log $PWD/$log:" >&2
  grep -m1 -A25 -E '^==[0-9]+==|runtime error|^SUMMARY|deadly signal|ERROR: libFuzzer' "$log" >&2
  exit 1
fi

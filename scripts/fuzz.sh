#!/usr/bin/env bash
# Runs every libFuzzer target in Fuzz/ for FUZZ_SECONDS (default 60) each, starting from
# Tests/Fuzz/corpus/<target> and the regressions; new corpus entries go to a scratch
# folder, crashes to Tests/Fuzz/regressions/<target>/ where FuzzRegressionTests replays them.
# Usage: scripts/fuzz.sh [TARGET ...]   (FUZZ_SECONDS=600 for the 10-minute runs)
# FUZZ_CI=1: CI's run, about a minute per target on 2 cores, with a fixed seed and a fixed
# number of inputs instead of a time limit, so a slower machine does no less work.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(FuzzZipPth FuzzLegacyPth FuzzSafeTensors FuzzSpec FuzzPNG FuzzJPEG FuzzIDX FuzzRecipe FuzzSweepRecords)
# gold crashes linking the instrumented binaries (an internal error in its DWARF reader);
# the toolchain's lld links them.
FLAGS=(-c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld)
export PATH="$(dirname "$(command -v swift)"):$PATH"
BIN=$(cd Fuzz && swift build "${FLAGS[@]}" --show-bin-path)
for t in "${TARGETS[@]}"; do
  (cd Fuzz && swift build "${FLAGS[@]}" --product "$t" 2>&1 | grep -E "error|Build of" || true)
done
status=0
for t in "${TARGETS[@]}"; do
  scratch=$(mktemp -d)
  mkdir -p "Tests/Fuzz/regressions/$t"
  echo "== $t"
  # -rss_limit_mb / -malloc_limit_mb: an allocation past 2 GiB is a finding, not a slow run.
  # The Swift runtime's backtracer would read crashed memory under ASan; libFuzzer reports
  # the trap itself. Leak checks are off: the Swift runtime keeps metadata caches alive.
  if [ -n "${FUZZ_CI:-}" ]; then
    # Inputs per target: about 60 s at the rates measured on AMD Zen 4 (exec/s in the README).
    case $t in
      FuzzRecipe) runs=6000 ;; FuzzZipPth) runs=15000 ;; FuzzSweepRecords) runs=80000 ;; FuzzSpec) runs=250000 ;; FuzzLegacyPth|FuzzSafeTensors) runs=900000 ;;
      FuzzPNG|FuzzJPEG) runs=1000000 ;; *) runs=2000000 ;;
    esac
    budget=(-seed=1 -runs="$runs")
  else
    budget=(-max_total_time="$SECONDS_EACH")
  fi
  if ! ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no "$BIN/$t" "$scratch" "Tests/Fuzz/corpus/$t" "Tests/Fuzz/regressions/$t" \
      "${budget[@]}" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
      -artifact_prefix="Tests/Fuzz/regressions/$t/" -print_final_stats=1 -detect_leaks=0 2>"$scratch.log"; then
    status=1
  fi
  grep -E "^#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|stat::average_exec_per_sec|ERROR|SUMMARY" "$scratch.log" | tail -5 || tail -3 "$scratch.log"
  rm -rf "$scratch" "$scratch.log"
done
exit $status

#!/usr/bin/env bash
# Builds the libFuzzer targets (build-fuzz, clang, ASan+UBSan) and runs each for a bounded time
# over its committed seed corpus and regression inputs; fails on any finding.
#   scripts/fuzz.sh                      all targets, FUZZ_SECONDS each (default 30)
#   scripts/fuzz.sh fuzz_otp_line ...    only these targets
#   FUZZ_SECONDS=600 FUZZ_JOBS=1 scripts/fuzz.sh
# CTest (label fuzz, only in a -DSC_FUZZ=ON build) calls: scripts/fuzz.sh --run-one BINARY CORPUS
# Findings (crash-*, leak-*, timeout-*, oom-*) are written to $FUZZ_ARTIFACTS (default
# build-fuzz/fuzz-artifacts/<target>/); copy each into tests/fuzz/regressions/<target>/.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
BUILD=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}

# run_one BINARY CORPUS_DIR: replays the regression inputs, then fuzzes for FUZZ_SECONDS on a
# scratch copy of the corpus (the committed corpus is not modified).
run_one() {
  local binary=$1 corpus=$2
  local name
  name=$(basename "$binary")
  local artifacts=${FUZZ_ARTIFACTS:-$BUILD/fuzz-artifacts}/$name
  local scratch
  scratch=$(mktemp -d)
  mkdir -p "$artifacts"
  [[ -d $corpus ]] && cp -r "$corpus/." "$scratch/"
  local regressions=$ROOT/tests/fuzz/regressions/$name
  if [[ -d $regressions ]] && compgen -G "$regressions/*" >/dev/null; then
    local input
    for input in "$regressions"/*; do
      [[ $input == *.md ]] && continue
      if ! "$binary" -runs=1 "$input" >"$artifacts/regression.log" 2>&1; then
        echo "FAIL: $name: regression input $input fails again:"
        tail -n 40 "$artifacts/regression.log"
        rm -rf "$scratch"
        return 1
      fi
    done
  fi
  local log=$artifacts/fuzz.log
  "$binary" "$scratch" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
    -max_len=20000 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
  local status=$?
  rm -rf "$scratch"
  local runs cov
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
  if ((status != 0)); then
    echo "FAIL: $name found a problem (exit $status); artifacts in $artifacts:"
    grep -A 30 -m 1 -E '==ERROR|runtime error|deadly signal|ERROR: libFuzzer' "$log" | head -n 60
    return 1
  fi
  echo "PASS: $name: ${runs:-?} executions in ${FUZZ_SECONDS} s, ${cov:-cov: ?}"
}

if [[ ${1:-} == --run-one ]]; then
  run_one "$2" "$3"
  exit $?
fi

if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DSC_FUZZ=ON -DSC_BUILD_TESTS=ON \
    -DCMAKE_BUILD_TYPE=Debug >/dev/null || exit 1
fi
mapfile -t targets < <(cd "$ROOT/tests/fuzz" && sed -n 's/^sc_fuzz_target(\(fuzz_[a-z_]*\) .*/\1/p' \
  CMakeLists.txt; for m in $(sed -n '/^foreach(message/,/)$/p' CMakeLists.txt |
  tr -d '()' | sed 's/foreach//; s/message//'); do echo "fuzz_decode_$m"; done)
if (($# > 0)); then targets=("$@"); fi
cmake --build "$BUILD" --target "${targets[@]}" -j "${FUZZ_JOBS:-2}" || exit 1

failed=0
for target in "${targets[@]}"; do
  corpus=$ROOT/tests/fuzz/corpus/$target
  [[ $target == fuzz_decode_* ]] && corpus=$ROOT/tests/fuzz/corpus/$target
  run_one "$BUILD/tests/fuzz/$target" "$corpus" || failed=$((failed + 1))
done
echo "${#targets[@]} targets, $failed failed"
((failed == 0))

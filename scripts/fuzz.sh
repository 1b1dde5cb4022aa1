#!/usr/bin/env bash
# Fuzzes factpress: builds the cargo-fuzz targets of fuzz/ and runs each for SECONDS
# (default 60) from a temporary copy of its committed seed corpus fuzz/corpus/<target>/ (so a
# run adds no file to the repository), with the dictionary fuzz/dict/<target>.dict. Prints
# each target's number of executions and exits 1 if any target crashed, timed out (10 s) or
# ran out of memory (2048 MB), printing the panic and the reproducer's path (under
# fuzz/artifacts/<target>/; reproduce with `RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -a
# <target> <file>` in fuzz/). Known reproducers, fuzz/artifacts-found/<target>/*, are run
# first: one that still crashes fails its target too. The last line is
# "fuzz: N passed, M failed", counting targets.
#
#   bash scripts/fuzz.sh [SECONDS]       every target
#   FUZZ_TARGETS="spec rules" bash scripts/fuzz.sh 30
#
# libFuzzer needs nightly compiler flags: RUSTC_BOOTSTRAP=1 lets the stable toolchain accept
# them. Builds are release with debug assertions and overflow checks (-a) and no sanitizer
# (-s none): the code is safe Rust, where AddressSanitizer finds little and costs executions.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
targets=${FUZZ_TARGETS:-spec template corpus rules}
export RUSTC_BOOTSTRAP=1
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
build_flags=(--sanitizer none --debug-assertions)

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  start=$SECONDS
  cargo install cargo-fuzz --locked
  echo "cargo-fuzz installed in $((SECONDS - start)) s"
fi
cargo fuzz --version

echo "== building the fuzz targets: $targets"
start=$SECONDS
# shellcheck disable=SC2086
(cd fuzz && for t in $targets; do cargo fuzz build "${build_flags[@]}" "$t"; done)
echo "fuzz targets built in $((SECONDS - start)) s"
bin_dir=fuzz/target/x86_64-unknown-linux-gnu/release

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for t in $targets; do
  echo "== fuzzing $t for ${seconds} s"
  mkdir -p "$work/$t/corpus" "$work/$t/tmp" "fuzz/artifacts/$t"
  cp -r "fuzz/corpus/$t/." "$work/$t/corpus/"
  # Known reproducers (fuzz/artifacts-found/<target>/, kept until the bug is fixed in src/)
  # are run first, once each: one that still fails fails the target, deterministically.
  for f in fuzz/artifacts-found/"$t"/*; do
    [ -f "$f" ] && [ "${f%.md}" = "$f" ] || continue
    if TMPDIR="$work/$t/tmp" "$bin_dir/$t" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$work/$t/known-" "$f" >"$work/$t/known.log" 2>&1; then
      echo "$t: known reproducer $f passes now (remove it from artifacts-found/ once fixed)"
    else
      echo "$t: known reproducer $f still fails:"
      grep -E -m1 -A1 "panicked at|ERROR: libFuzzer" "$work/$t/known.log" || tail -5 "$work/$t/known.log"
      [[ " ${failed[*]} " == *" $t "* ]] || failed+=("$t")
    fi
  done
  log="$work/$t/log"
  rc=0
  # The target's own files go to $TMPDIR (removed with $work); crash files to fuzz/artifacts/.
  dict=()
  if [ -f "fuzz/dict/$t.dict" ]; then dict=(-dict="fuzz/dict/$t.dict"); fi
  TMPDIR="$work/$t/tmp" RUST_BACKTRACE=1 RUST_LIB_BACKTRACE=0 \
    "$bin_dir/$t" "$work/$t/corpus" "${dict[@]}" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="fuzz/artifacts/$t/" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  echo "$t: ${execs:-?} executions in ${seconds} s (exit $rc)"
  if [ "$rc" -ne 0 ]; then
    # The panic (or libFuzzer's deadly-signal, timeout or out-of-memory report) and the file.
    grep -E -A14 "panicked at|ERROR: libFuzzer|ALARM|out-of-memory" "$log" | head -40 \
      || tail -40 "$log"
    repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    echo "$t: FAILED; reproducer: ${repro:-(none written; see the log above)}"
    [[ " ${failed[*]} " == *" $t "* ]] || failed+=("$t")
  fi
done

n=$(wc -w <<<"$targets")
if [ "${#failed[@]}" -ne 0 ]; then
  echo "failed targets: ${failed[*]} (reproducers above; known ones: fuzz/artifacts-found/)"
  echo "fuzz: $((n - ${#failed[@]})) passed, ${#failed[@]} failed"
  exit 1
fi
echo "every target ran ${seconds} s without a crash, timeout or out-of-memory"
echo "fuzz: $n passed, 0 failed"

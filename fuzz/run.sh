#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, one after the other, with the
# nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
#
#   fuzz/run.sh [SECONDS] [TARGET...]        default: 600 seconds, every target
#
# Each target starts from its committed seeds (fuzz/corpus/<target>/, never written to) and
# keeps what it finds in fuzz/target/work/<target>/; crashes land in fuzz/artifacts/<target>/.
# libFuzzer's log is fuzz/target/logs/<target>.log; a summary line per target is printed at
# the end (executions, coverage, features, corpus size, crashes).
# Add a crashing input as a seed once it is fixed:
#   cargo +nightly fuzz tmin -a -O <target> fuzz/artifacts/<target>/crash-...
#   cp the minimised input to fuzz/corpus/<target>/<what-it-was>
set -euo pipefail

cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(packet zone_file config client_subnet mmdb gossip key_file transfer)
fi

cargo +nightly fuzz build -a -O
mkdir -p fuzz/target/logs
summary=()
for target in "${targets[@]}"; do
    work="fuzz/target/work/$target"
    mkdir -p "$work" "fuzz/artifacts/$target"
    dict=()
    if [ -f "fuzz/dict/$target.dict" ]; then
        dict=("-dict=fuzz/dict/$target.dict")
    fi
    log="fuzz/target/logs/$target.log"
    echo "fuzzing $target for ${seconds}s (log: $log)"
    status=0
    cargo +nightly fuzz run -a -O "$target" "$work" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="fuzz/artifacts/$target/" "${dict[@]}" >"$log" 2>&1 || status=$?
    executions=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    coverage=$(echo "$last" | grep -o 'cov: [0-9]*' || true)
    features=$(echo "$last" | grep -o 'ft: [0-9]*' || true)
    corpus=$(echo "$last" | grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' || true)
    crashes=$(find "fuzz/artifacts/$target" -type f | wc -l)
    summary+=("$target: ${seconds}s, ${executions:-?} executions, ${coverage:-cov: ?}, ${features:-ft: ?}, ${corpus:-corp: ?}, exit $status, $crashes artifact(s)")
done
printf '%s\n' "${summary[@]}"

#!/usr/bin/env bash
# Nanoseconds per query with DO=1 against DO=0, in process and on the real CPU (no valgrind):
# the same configurations and queries as bench/dnssec_profile.sh (run that first: it makes
# them), answered by bench/respond_loop.rs natively. Here NSEC3 hashes run on SHA-NI where the
# CPU has it (valgrind cannot run those instructions, so the callgrind table counts the
# portable SHA-1), and memory stalls count, which instruction counts do not see.
#
#   bench/dnssec_native.sh [REPEATS] [ROUNDS]     (default 10 repeats of 3 rounds each)
#
# DO=0 (with an OPT record) and DO=1 runs alternate, REPEATS times; each run answers every
# query once unmeasured, then ROUNDS times measured; the fastest run of each is kept, the
# figure least disturbed by other work on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
REPEATS=${1:-10}; ROUNDS=${2:-3}
OUT=bench/out/dnssec-profile
LOOP=${LOOP:-target/release/examples/respond_loop}
for needed in "$LOOP" "$OUT/nsec.toml" "$OUT/static.txt" "$OUT/steered.bin"; do
    [ -e "$needed" ] || { echo "missing $needed: run bench/dnssec_profile.sh first" >&2; exit 1; }
done
run() { # CONFIG FILE ENV...: ns/query of one run
    local config=$1 file=$2; shift 2
    env "$@" RESPOND_WARM=1 "$LOOP" "$config" "$file" "$ROUNDS" | awk '{print $NF}'
}
min() { printf '%s\n' "$@" | sed '/^$/d' | sort -g | head -1; }
echo "| zone | mix | DO=0 with EDNS, ns/query | DO=1, ns/query | × DO=0 |"
echo "|---|---|---|---|---|"
for mix in static steered; do
    file="$OUT/$mix.txt"; [ "$mix" = steered ] && file="$OUT/$mix.bin"
    for zone in nsec nsec3; do
        # Interleaved: one DO=0 run, then one DO=1 run, REPEATS times over.
        do0=""; do1=""
        for _ in $(seq "$REPEATS"); do
            do0=$(min "$do0" "$(run "$OUT/$zone.toml" "$file" RESPOND_COOKIE=none RESPOND_DO=0)")
            do1=$(min "$do1" "$(run "$OUT/$zone.toml" "$file" RESPOND_DO=1)")
        done
        awk -v z="$zone" -v m="$mix" -v a="$do0" -v b="$do1" \
            'BEGIN { printf "| %s | %s | %.0f | %.0f | %.2f |\n", toupper(z), m, a, b, b / a }'
    done
done

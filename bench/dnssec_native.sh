#!/usr/bin/env bash
# Nanoseconds per query with DO=1 against DO=0, in process and on the real CPU (no valgrind):
# the same configurations and queries as bench/dnssec_profile.sh (run that first: it makes
# them), answered by bench/respond_loop.rs natively. Here NSEC3 hashes run on SHA-NI where the
# CPU has it (valgrind cannot run those instructions, so the callgrind table counts the
# portable SHA-1), and memory stalls count, which instruction counts do not see.
#
#   bench/dnssec_native.sh [TURNS] [ROUNDS]     (default 20 turns of 5 rounds each)
#
# DO=0 (with an OPT record) and DO=1 take turns in one process on one snapshot
# (RESPOND_PAIRED of bench/respond_loop.rs), TURNS times, each answering every query ROUNDS
# times; the fastest turn of each is kept, the figure least disturbed by other work on the
# machine, and taking turns exposes both to the same disturbances.
set -euo pipefail
cd "$(dirname "$0")/.."
TURNS=${1:-20}; ROUNDS=${2:-5}
OUT=bench/out/dnssec-profile
LOOP=${LOOP:-target/release/examples/respond_loop}
for needed in "$LOOP" "$OUT/nsec.toml" "$OUT/static.txt" "$OUT/steered.bin"; do
    [ -e "$needed" ] || { echo "missing $needed: run bench/dnssec_profile.sh first" >&2; exit 1; }
done
echo "| zone | mix | DO=0 with EDNS, ns/query | DO=1, ns/query | × DO=0 |"
echo "|---|---|---|---|---|"
for mix in static steered; do
    file="$OUT/$mix.txt"; [ "$mix" = steered ] && file="$OUT/$mix.bin"
    for zone in nsec nsec3; do
        RESPOND_WARM=1 RESPOND_PAIRED="$TURNS" "$LOOP" "$OUT/$zone.toml" "$file" "$ROUNDS" |
            awk -v z="$zone" -v m="$mix" \
                '{ printf "| %s | %s | %.0f | %.0f | %.2f |\n", toupper(z), m, $3, $6, $8 }'
    done
done

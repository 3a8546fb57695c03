#!/usr/bin/env bash
# Instructions per query with DO=1 against DO=0, in process (bench/respond_loop.rs under
# callgrind), on cached signatures: every query is answered once before the counted rounds
# (RESPOND_WARM=1), so steered variants signed on a cache miss are cached when counted.
#
#   bench/dnssec_profile.sh [RECORDS] [QUERIES]     (default a 10,000-record zone, 20,000 queries)
#
# Configurations: the bench.test zone unsigned, signed with NSEC, signed with NSEC3 (ECDSA
# P-256 CSK made on first use). Mixes: the static mix (40% positive, NXDOMAIN, NODATA,
# referrals, CNAME, wildcard) and the steered mix (geo/weighted/failover with ECS). The zone is
# small because the snapshot is built (and signed) under valgrind too; the query path does not
# depend on the zone's size (hash lookups).
set -euo pipefail
cd "$(dirname "$0")/.."
RECORDS=${1:-10000}; QUERIES=${2:-20000}
OUT=bench/out/dnssec-profile; mkdir -p "$OUT"; ORIGIN=bench.test
LOOP=target/release/examples/respond_loop
[ -x "$LOOP" ] || cargo build --quiet --release --example respond_loop --bin switchyard
eval "$(python3 bench/bench.py --records "$RECORDS" --queries "$QUERIES" prepare)"
python3 bench/dnssec_bench.py head "$steered" "$OUT/steered.bin" "$QUERIES"
head -n "$QUERIES" "$static" > "$OUT/static.txt"

# The configuration of bench.py with the zone as a table and, for the signed ones, a
# [zones."bench.test.".dnssec] table.
python3 bench/dnssec_bench.py configs --base "$config" --out "$OUT"
# In process the snapshot reads keys but never makes one (as `check` does): make the CSK first.
[ -n "$(ls "$OUT/keys" 2>/dev/null)" ] || target/release/switchyard keys -c "$OUT/nsec.toml" \
    generate --zone "$ORIGIN" >/dev/null

instructions() { awk '/^summary:/ {print $2}' "$1"; }
echo "| zone | mix | DO | instructions/query | × unsigned DO=0 | response bytes (mean) |"
echo "|---|---|---|---|---|---|"
for mix in static steered; do
    file="$OUT/$mix.txt"; [ "$mix" = steered ] && file="$OUT/$mix.bin"
    base=""
    for run in unsigned:0 nsec:0 nsec:1 nsec3:0 nsec3:1; do
        zone=${run%%:*}; do=${run#*:}
        cg="$OUT/$mix-$zone-do$do.callgrind"
        RESPOND_WARM=1 RESPOND_DO=$do timeout 900 valgrind --tool=callgrind \
            --toggle-collect='respond_loop::measured' --callgrind-out-file="$cg" \
            "$LOOP" "$OUT/$zone.toml" "$file" 1 >"$cg.out" 2>"$cg.log"
        per=$(( $(instructions "$cg") / QUERIES ))
        bytes=$(awk '{print int($7 / $2)}' "$cg.out")
        [ -z "$base" ] && base=$per
        awk -v z="$zone" -v m="$mix" -v d="$do" -v p="$per" -v b="$base" -v y="$bytes" \
            'BEGIN { printf "| %s | %s | %s | %d | %.2f | %d |\n", z, m, d, p, p / b, y }'
    done
done

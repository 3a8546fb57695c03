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
# Baselines: the unsigned zone at DO=0 as the queries come (the static mix without EDNS, as
# dnsperf sends it), and each signed zone at DO=0 with an OPT record (RESPOND_COOKIE=none adds
# one without options to a query that has none; the steered queries carry ECS already): DO=1
# needs EDNS, so the second ratio is the cost of the DO bit alone.
echo "| zone | mix | query | instructions/query | × unsigned DO=0 | × DO=0 with EDNS | response bytes (mean) |"
echo "|---|---|---|---|---|---|---|"
for mix in static steered; do
    file="$OUT/$mix.txt"; [ "$mix" = steered ] && file="$OUT/$mix.bin"
    base=""
    for run in unsigned:0 nsec:0e nsec:1 nsec3:0e nsec3:1; do
        zone=${run%%:*}; do=${run#*:}; opt=""
        [ "$do" = 0e ] && { do=0; opt=none; }
        cg="$OUT/$mix-$zone-do$do$opt.callgrind"
        env ${opt:+RESPOND_COOKIE=$opt} RESPOND_WARM=1 RESPOND_DO=$do timeout 900 valgrind \
            --tool=callgrind --toggle-collect='respond_loop::measured' --callgrind-out-file="$cg" \
            "$LOOP" "$OUT/$zone.toml" "$file" 1 >"$cg.out" 2>"$cg.log"
        per=$(( $(instructions "$cg") / QUERIES ))
        bytes=$(awk '{print int($7 / $2)}' "$cg.out")
        [ -z "$base" ] && base=$per
        [ "$do" = 0 ] && edns=$per
        query="DO=$do"; [ -n "$opt" ] && query="DO=0, EDNS"
        awk -v z="$zone" -v m="$mix" -v q="$query" -v p="$per" -v b="$base" -v e="$edns" -v y="$bytes" \
            'BEGIN { printf "| %s | %s | %s | %d | %.2f | %.2f | %d |\n", z, m, q, p, p / b, p / e, y }'
    done
done

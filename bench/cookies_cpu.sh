#!/usr/bin/env bash
# Whole-server CPU per query with and without DNS Cookies: the release server on the default
# switchyard.toml (one UDP worker), dnsperf at a fixed rate, the server's utime+stime from
# /proc before and after each run. "cookie" runs send a client cookie (option 10), so every
# response carries a freshly made server cookie (the costliest case: a SipHash per query).
#
#   bench/cookies_cpu.sh [QUERIES] [RATE] [ROUNDS]     (default 200000 queries at 20000/s, 2 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
QUERIES=${1:-200000}; RATE=${2:-20000}; ROUNDS=${3:-2}
OUT=bench/out/cookies; mkdir -p "$OUT"
BIN=target/release/switchyard
[ -x "$BIN" ] || cargo build --quiet --release --bin switchyard
PORT=5391
sed -e "s/127.0.0.1:5300/127.0.0.1:$PORT/" -e 's/^listen = "127.0.0.1:8053".*/listen = "127.0.0.1:0"/' \
    switchyard.toml > "$OUT/switchyard.toml"
grep -q '^workers' "$OUT/switchyard.toml" || sed -i 's/^\[server\]/[server]\nworkers = 1/' "$OUT/switchyard.toml"
cp -r zones geoip "$OUT/" 2>/dev/null || true
printf 'example.com SOA\nexample.com NS\nexample.com MX\nmail.example.com A\nexample.com TXT\n' > "$OUT/queries.txt"
"$BIN" serve --config "$OUT/switchyard.toml" > "$OUT/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '"ready"' "$OUT/server.log" && break; sleep 0.1; done
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
echo "| round | queries carry | answered | server CPU µs/query |"
echo "|---|---|---|---|"
for round in $(seq "$ROUNDS"); do
    for mode in plain cookie; do
        extra=(); [ "$mode" = cookie ] && extra=(-E 10:0102030405060708)
        before=$(ticks)
        result=$(dnsperf -s 127.0.0.1 -p $PORT -d "$OUT/queries.txt" -e "${extra[@]}" \
            -n $((QUERIES / 5)) -Q "$RATE" -c 1 -q 200 2>&1)
        after=$(ticks)
        answered=$(echo "$result" | awk '/Queries completed:/ {print $3}')
        awk -v t=$((after - before)) -v hz="$hz" -v n="$answered" -v r="$round" -v m="$mode" \
            'BEGIN { printf "| %s | %s | %d | %.2f |\n", r, m, n, t / hz * 1e6 / n }'
    done
done

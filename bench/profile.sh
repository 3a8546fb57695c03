#!/usr/bin/env bash
# Instructions per query of the answer path, repeatable on a busy machine.
#
#   bench/profile.sh [QUERIES]        (default 50000 queries of each mix)
#   SERVER=0 bench/profile.sh         (the in-process part only)
#
# 1. In process (bench/respond_loop.rs): callgrind counts only inside the loop that answers
#    each query of the static and the steered mix (`respond` + metrics), setup excluded.
#    Top functions (inclusive and self) go to bench/out/profile/<mix>.profile.
# 2. The real server under callgrind, queried by dnsperf at a fixed rate (RATE, default 3000/s):
#    instructions per query in the UDP worker thread, batching and the user-space side of the
#    system calls included (kernel work is not counted by callgrind; see the utime/stime split
#    of the throughput tables for that).
set -euo pipefail
cd "$(dirname "$0")/.."
QUERIES=${1:-50000}
OUT=bench/out/profile
mkdir -p "$OUT"
for tool in valgrind callgrind_annotate dnsperf; do
    command -v "$tool" >/dev/null || { echo "missing $tool (bench/run.sh installs it)" >&2; exit 1; }
done

cargo build --quiet --profile profiling --example respond_loop --bin switchyard
LOOP=target/profiling/examples/respond_loop
BIN=target/profiling/switchyard
eval "$(python3 bench/bench.py --switchyard "$BIN" prepare)"

# The first QUERIES queries of each mix.
head -n "$QUERIES" "$static" > "$OUT/static.txt"
python3 - "$steered" "$OUT/steered.bin" "$QUERIES" <<'EOF'
import sys
data, out, n = open(sys.argv[1], "rb").read(), bytearray(), int(sys.argv[3])
pos = 0
for _ in range(n):
    length = int.from_bytes(data[pos:pos + 2], "big")
    out += data[pos:pos + 2 + length]
    pos += 2 + length
open(sys.argv[2], "wb").write(out)
EOF

instructions() { # total Ir of a callgrind output file
    awk '/^summary:/ {print $2}' "$1"
}

annotate() { # top functions, inclusive then self (head closes the pipes early)
    set +o pipefail
    {
        echo "# inclusive"
        callgrind_annotate --inclusive=yes "$1" 2>/dev/null | sed -n '/file:function/,$p' | head -60
        echo "# self"
        callgrind_annotate "$1" 2>/dev/null | sed -n '/file:function/,$p' | head -50
    } | sed -E 's#/rustc/[0-9a-f]+/library/#std:#; s#/root/.cargo/registry/src/[^/]+/##; s# \[[^]]*\]$##'
    set -o pipefail
}

echo "## In process: respond() + metrics per query ($QUERIES queries of each mix)"
echo
echo "| mix | instructions/query |"
echo "|---|---|"
for mix in static steered; do
    file="$OUT/$mix.txt"; [ "$mix" = steered ] && file="$OUT/$mix.bin"
    valgrind --tool=callgrind --toggle-collect='respond_loop::answer_all' \
        --callgrind-out-file="$OUT/$mix.callgrind" \
        "$LOOP" "$config" "$file" 1 >/dev/null 2>"$OUT/$mix.valgrind.log"
    echo "| $mix | $(( $(instructions "$OUT/$mix.callgrind") / QUERIES )) |"
    annotate "$OUT/$mix.callgrind" > "$OUT/$mix.profile"
done
echo
echo "Top functions: $OUT/<mix>.profile"

echo
echo "## In process: DNS Cookies (static mix, every query given an OPT record)"
echo
echo "| queries carry | instructions/query |"
echo "|---|---|"
for cookie in none client valid; do
    RESPOND_COOKIE=$cookie valgrind --tool=callgrind --toggle-collect='respond_loop::answer_all' \
        --callgrind-out-file="$OUT/cookie-$cookie.callgrind" \
        "$LOOP" "$config" "$OUT/static.txt" 1 >/dev/null 2>"$OUT/cookie-$cookie.valgrind.log"
    echo "| $cookie | $(( $(instructions "$OUT/cookie-$cookie.callgrind") / QUERIES )) |"
    annotate "$OUT/cookie-$cookie.callgrind" > "$OUT/cookie-$cookie.profile"
done

[ "${SERVER:-1}" = 0 ] && exit 0
echo
echo "## Real server: instructions per query in the UDP worker thread"
echo
echo "| mix | worker instructions/query | queries answered |"
echo "|---|---|---|"
PORT=5319
sed "s/127.0.0.1:[0-9]*/127.0.0.1:$PORT/" "$config" > "$OUT/server.toml"
for mix in static steered; do
    file="$OUT/$mix.txt"; flag=""; [ "$mix" = steered ] && { file="$OUT/$mix.bin"; flag="-B"; }
    rm -f "$OUT/server.$mix.callgrind"*
    valgrind --tool=callgrind --separate-threads=yes \
        --callgrind-out-file="$OUT/server.$mix.callgrind" \
        "$BIN" serve --config "$OUT/server.toml" >"$OUT/server.$mix.log" 2>&1 &
    pid=$!
    for _ in $(seq 600); do
        grep -q '"ready"' "$OUT/server.$mix.log" 2>/dev/null && break
        sleep 0.5
    done
    result=$(dnsperf $flag -s 127.0.0.1 -p $PORT -d "$file" -n 1 -Q "${RATE:-3000}" -t 5 -c 1 -q 100 2>&1)
    kill -TERM "$pid"; wait "$pid" || true
    answered=$(echo "$result" | awk '/Queries completed:/ {print $3}')
    # The UDP worker is the thread that calls recvmmsg (the config has one worker); its
    # functions may be inlined into the thread's closure, so the whole thread is counted.
    worker=$(grep -l 'recvmmsg' "$OUT"/server.$mix.callgrind-* | head -1)
    echo "| $mix | $(( $(instructions "$worker") / answered )) | $answered |"
    annotate "$worker" > "$OUT/server.$mix.profile"
done
echo
echo "Worker profiles: $OUT/server.<mix>.profile. The worker's count includes its idle polls"
echo "and the user-space side of recvmmsg/sendmmsg; at a low rate batches are small, so this"
echo "is an upper bound of the per-batch overhead."

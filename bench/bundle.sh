#!/usr/bin/env bash
# Packs the benchmark's servers and tools, with every shared library they load, into one
# folder that runs on another x86-64 Linux machine without installing anything there (a
# machine with no package mirror, say). Each program runs through the bundled dynamic loader,
# so the other machine's own libraries are never mixed in.
#
#   bench/bundle.sh [DIR]          (default .benchkit; needs the programs installed here and a
#                                   release build: bench/run.sh installs and builds both)
#
# On the other machine, from a checkout with DIR beside it:
#
#   export PATH=$PWD/DIR/wrap:$PATH
#   mkdir -p bench/out && cp DIR/out/* bench/out/
#   python3 bench/bench.py --switchyard DIR/wrap/switchyard --server-cores 0-7 \
#       --client-cores 8-15 --clients 64 --outstanding 20 scale --workers 1,2,4,8
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-.benchkit}
mkdir -p "$DIR/bin" "$DIR/lib" "$DIR/wrap" "$DIR/out"

programs=(knotd nsd gdnsd dnsperf taskset)
cp target/release/switchyard "$DIR/bin/"
for p in "${programs[@]}"; do cp "$(command -v "$p")" "$DIR/bin/"; done
for b in "$DIR"/bin/*; do
    ldd "$b" | awk '/=>/ && $3 ~ /^\// {print $3}'
done | sort -u | while read -r lib; do cp -L "$lib" "$DIR/lib/"; done
cp -L "$(ldd "$DIR/bin/switchyard" | awk '/ld-linux/ {print $1}')" "$DIR/lib/ld-linux-x86-64.so.2"

for b in "$DIR"/bin/*; do
    name=$(basename "$b")
    cat >"$DIR/wrap/$name" <<EOF
#!/bin/sh
K=\$(dirname "\$(readlink -f "\$0")")/..
exec "\$K/lib/ld-linux-x86-64.so.2" --library-path "\$K/lib" "\$K/bin/$name" "\$@"
EOF
    chmod +x "$DIR/wrap/$name"
done

# The generated inputs the query runs use (bench.py prepare makes them if missing); the
# zone-scale zones are left out: gen_zone.py makes them there in seconds.
eval "$(python3 bench/bench.py prepare)"
cp bench/out/*.mmdb bench/out/*.csv bench/out/networks-*.txt bench/out/static-*.txt \
    bench/out/steered-*.bin bench/out/zone-100000.txt "$DIR/out/"
du -sh "$DIR"

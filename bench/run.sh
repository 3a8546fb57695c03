#!/usr/bin/env bash
# Switchyard against Knot DNS, NSD and gdnsd on this machine. See bench/README.md.
#
#   bench/run.sh [MODE] [bench.py options...]
#
# MODE
#   all       (default) static and steered mixes pinned, then every server on all cores,
#             then zone scale
#   pinned    static and steered mixes: server on SERVER_CORES, dnsperf on CLIENT_CORES
#   static | steered   one mix, pinned
#   allcores  both mixes, every server and dnsperf on all cores
#   scale     static mix with 1, 2, 4, 8 workers on the first N of SERVER_CORES
#             (WORKERS=1,2,4,8 to choose)
#   zones     load time and memory for 10k, 100k, 1M records (SIZES=... to choose)
#   profile   instructions per query under callgrind (bench/profile.sh)
#
# SERVER_CORES / CLIENT_CORES: core lists for taskset (default 0 and 1; on a 16-core machine
# e.g. SERVER_CORES=0-7 CLIENT_CORES=8-15). Everything runs on loopback; every process started
# is stopped by its PID; each measured run lasts --duration seconds (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=${1:-all}
[ $# -gt 0 ] && shift
SERVER_CORES=${SERVER_CORES:-0}
CLIENT_CORES=${CLIENT_CORES:-1}

# Tools: command → Debian package.
missing=()
for pair in dnsperf:dnsperf knotd:knot nsd:nsd gdnsd:gdnsd taskset:util-linux python3:python3 \
    valgrind:valgrind callgrind_annotate:valgrind; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    # The packages' own services are not wanted (they would take port 53); the benchmark starts
    # each daemon itself with its own configuration.
    export DEBIAN_FRONTEND=noninteractive
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u)
fi

cargo build --release --quiet
BENCH=(python3 bench/bench.py --server-cores "$SERVER_CORES" --client-cores "$CLIENT_CORES")

echo "# Switchyard benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs); $(uname -sr)"
echo "versions: $(knotd -V 2>&1 | head -1); $(nsd -v 2>&1 | head -1); $(gdnsd -V 2>&1 | grep -m1 version); $(dnsperf -h 2>&1 | grep -m1 Version); switchyard $(git rev-parse --short HEAD)"

case "$MODE" in
    all)
        "${BENCH[@]}" "$@" throughput --mix all --mode pinned
        "${BENCH[@]}" "$@" throughput --mix all --mode all
        "${BENCH[@]}" "$@" --servers switchyard,knot,nsd zone-scale --sizes "${SIZES:-10000,100000,1000000}"
        ;;
    pinned) "${BENCH[@]}" "$@" throughput --mix all --mode pinned ;;
    static | steered) "${BENCH[@]}" "$@" throughput --mix "$MODE" --mode pinned ;;
    allcores) "${BENCH[@]}" "$@" throughput --mix all --mode all ;;
    scale) "${BENCH[@]}" "$@" --servers "${SCALE_SERVERS:-switchyard,knot,nsd}" scale --workers "${WORKERS:-1,2,4,8}" ;;
    zones) "${BENCH[@]}" --servers switchyard,knot,nsd "$@" zone-scale --sizes "${SIZES:-10000,100000,1000000}" ;;
    profile) bench/profile.sh "$@" ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
esac

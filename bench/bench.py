#!/usr/bin/env python3
"""Switchyard against Knot DNS, NSD and gdnsd: throughput, CPU per query, zone scale.

Run through bench/run.sh, which installs the tools and builds Switchyard; see bench/README.md.

  bench.py throughput --mix static|steered [--mode pinned|all] ...
  bench.py scale      --workers 1,2,4,8 --server-cores 0-7 --client-cores 8-15 ...
  bench.py zone-scale --sizes 10000,100000,1000000 ...
  bench.py prepare    (inputs and a Switchyard config for bench/profile.sh)

Every figure comes from the same run: dnsperf's counts and latencies, the server's CPU time
from /proc/<pid>/stat (utime + stime of it and its children, before and after the measured
run) divided by the queries answered, and its peak RSS (VmHWM). Each server is stopped by
its PID before the next starts.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PORTS = {"switchyard": 5310, "knot": 5311, "nsd": 5312, "gdnsd": 5313}


def cores(spec):
    """"0-3,6" → [0, 1, 2, 3, 6]."""
    out = []
    for part in spec.split(","):
        if "-" in part:
            a, b = part.split("-")
            out.extend(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


def core_spec(list_):
    return ",".join(str(c) for c in list_)


def machine_busy():
    """(busy, total) jiffies of the whole machine from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields[:8]) - idle, sum(fields[:8])


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ---------------------------------------------------------------------------------- inputs


def prepare_inputs(args):
    """Zone, GeoIP database and query files under the work directory (reused when present)."""
    out = args.work
    os.makedirs(out, exist_ok=True)
    zone = os.path.join(out, f"zone-{args.records}.txt")
    if not os.path.exists(zone):
        run_to(zone, [sys.executable, f"{HERE}/gen_zone.py", servers.ORIGIN, str(args.records)])
    csv = os.path.join(out, f"geo-{args.networks}.csv")
    networks = os.path.join(out, f"networks-{args.networks}.txt")
    geo = os.path.join(out, f"geo-{args.networks}.mmdb")
    if not os.path.exists(geo):
        run_to(csv, [sys.executable, f"{HERE}/gen_geo.py", str(args.networks), "--networks-out", networks])
        subprocess.run([args.switchyard, "geoip-build", "--csv", csv, "--out", geo], check=True)
    static = os.path.join(out, f"static-{args.records}-{args.queries}.txt")
    if not os.path.exists(static):
        print(f"static mix ({args.queries} queries):", file=sys.stderr)
        run_to(static, [sys.executable, f"{HERE}/gen_queries.py", "static", servers.ORIGIN,
                        str(args.records), str(args.queries)])
    steered = os.path.join(out, f"steered-{args.networks}-{args.queries}.bin")
    if not os.path.exists(steered):
        print(f"steered mix ({args.queries} queries):", file=sys.stderr)
        run_to(steered, [sys.executable, f"{HERE}/gen_queries.py", "steered", servers.ORIGIN,
                         networks, str(args.queries)])
    return zone, os.path.abspath(geo), static, steered


def run_to(path, command):
    with open(path + ".tmp", "wb") as f:
        subprocess.run(command, stdout=f, check=True)
    os.replace(path + ".tmp", path)


# ------------------------------------------------------------------------------ one server


def start(args, name, workers, server_cores, zone, geo, tag, steering=True):
    work = os.path.join(args.work, "run", tag)
    shutil.rmtree(os.path.join(work, name), ignore_errors=True)
    command = servers.prepare(name, work, PORTS[name], workers, zone, geo, steering)
    log = os.path.join(work, f"{name}.log")
    running = servers.Running(name, command, server_cores, log)
    try:
        load_time = running.wait_ready(PORTS[name], args.ready_timeout)
    except Exception:
        running.stop()
        with open(log) as f:
            sys.stderr.write(f.read()[-2000:])
        raise
    return running, load_time


def dnsperf(args, name, queries, binary, client_cores, duration):
    threads = max(1, len(client_cores)) if client_cores else os.cpu_count()
    clients = max(args.clients, threads)
    command = ["dnsperf", "-s", "127.0.0.1", "-p", str(PORTS[name]), "-d", queries,
               "-c", str(clients), "-T", str(threads), "-q", str(clients * args.outstanding),
               "-l", str(duration), "-t", str(args.timeout)]
    if binary:
        command.append("-B")
    if client_cores:
        command = ["taskset", "-c", core_spec(client_cores)] + command
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    if result.returncode != 0:
        raise RuntimeError(f"dnsperf failed: {result.stderr[-1000:]}")
    return parse_dnsperf(result.stdout)


def parse_dnsperf(text):
    def number(pattern):
        m = re.search(pattern, text)
        if not m:
            raise RuntimeError(f"dnsperf output lacks {pattern!r}:\n{text}")
        return float(m.group(1))

    return {
        "sent": number(r"Queries sent:\s+(\d+)"),
        "completed": number(r"Queries completed:\s+(\d+)"),
        "lost": number(r"Queries lost:\s+(\d+)"),
        "qps": number(r"Queries per second:\s+([\d.]+)"),
        "avg_latency": number(r"Average Latency \(s\):\s+([\d.]+)"),
        "max_latency": number(r"Average Latency \(s\):.*max ([\d.]+)"),
    }


def measure(args, name, mix, workers, server_cores, client_cores, zone, geo, queries, tag):
    """One server, one mix: warm up, then a timed run with CPU read before and after."""
    running, load_time = start(args, name, workers, core_spec(server_cores), zone, geo, tag)
    try:
        binary = mix == "steered"
        if args.warmup > 0:
            dnsperf(args, name, queries, binary, client_cores, args.warmup)
        user0, sys0 = running.cpu_seconds()
        result = dnsperf(args, name, queries, binary, client_cores, args.duration)
        user1, sys1 = running.cpu_seconds()
        peak, _ = running.memory()
    finally:
        running.stop()
    answered = max(result["completed"], 1)
    result.update(
        server=name,
        load_time=load_time,
        user_us=(user1 - user0) * 1e6 / answered,
        sys_us=(sys1 - sys0) * 1e6 / answered,
        peak_mib=peak,
    )
    result["cpu_us"] = result["user_us"] + result["sys_us"]
    return result


def run_set(args, mix, names, workers, server_cores, client_cores, tag):
    zone, geo, static, steered = prepare_inputs(args)
    queries = static if mix == "static" else steered
    busy0 = machine_busy()
    load0 = loadavg()
    runs = {name: [] for name in names}
    for _ in range(args.repeat):
        for name in names:
            runs[name].append(measure(args, name, mix, workers, server_cores, client_cores,
                                      zone, geo, queries, tag))
            time.sleep(0.5)
    busy1 = machine_busy()
    results = []
    for name in names:
        ordered = sorted(runs[name], key=lambda r: r["cpu_us"])
        chosen = dict(ordered[len(ordered) // 2])
        chosen["spread"] = (ordered[0]["cpu_us"], ordered[-1]["cpu_us"])
        results.append(chosen)
    return results, (load0, loadavg(), busy0, busy1)


# ----------------------------------------------------------------------------------- tables


def ratio(value, base):
    if base is None or base == 0:
        return "–"
    return f"{value / base:.2f}"


def print_table(title, results, baselines, context, command):
    load0, load1, busy0, busy1 = context
    print(f"\n### {title}\n")
    print(f"`{command}`  ")
    print(f"loadavg before {load0}, after {load1}; machine CPU busy "
          f"{100 * (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]):.0f}% over the runs "
          f"(all processes, {os.cpu_count()} cores)\n")
    base = {b: next((r for r in results if r["server"] == b), None) for b in baselines}
    head = ["server", "QPS", "CPU µs/q", "user µs/q", "sys µs/q", "avg lat ms", "max lat ms",
            "lost", "peak RSS MiB"]
    ratios = ["QPS", "CPU µs/q", "avg lat ms", "max lat ms", "peak RSS MiB"]
    keys = {"QPS": "qps", "CPU µs/q": "cpu_us", "avg lat ms": "avg_latency",
            "max lat ms": "max_latency", "peak RSS MiB": "peak_mib"}
    columns = []
    for h in head:
        columns.append(h)
        if h in ratios:
            columns += [f"×{b}" for b in baselines]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for r in results:
        cells = []
        for h in head:
            if h == "server":
                cells.append(r["server"])
                continue
            value = {
                "QPS": f"{r['qps']:,.0f}",
                "CPU µs/q": f"{r['cpu_us']:.2f}",
                "user µs/q": f"{r['user_us']:.2f}",
                "sys µs/q": f"{r['sys_us']:.2f}",
                "avg lat ms": f"{r['avg_latency'] * 1e3:.3f}",
                "max lat ms": f"{r['max_latency'] * 1e3:.2f}",
                "lost": f"{r['lost']:.0f}",
                "peak RSS MiB": f"{r['peak_mib']:.1f}",
            }[h]
            cells.append(value)
            if h in ratios:
                for b in baselines:
                    other = base[b]
                    cells.append(ratio(r[keys[h]], other[keys[h]] if other else None))
        print("| " + " | ".join(cells) + " |")
    if any(len(set(r["spread"])) > 1 for r in results):
        spreads = ", ".join(f"{r['server']} {r['spread'][0]:.2f}–{r['spread'][1]:.2f}" for r in results)
        print(f"\nMedian of the runs by CPU µs/q; range: {spreads}")
    sys.stdout.flush()


# -------------------------------------------------------------------------------- commands


def cmd_throughput(args):
    names = args.servers
    if args.mode == "pinned":
        server_cores, client_cores = cores(args.server_cores), cores(args.client_cores)
        workers = len(server_cores)
        where = f"server on core(s) {args.server_cores}, dnsperf on {args.client_cores}"
    else:
        server_cores, client_cores = [], []
        workers = os.cpu_count()
        where = f"every process on all {os.cpu_count()} cores"
    mixes = ["static", "steered"] if args.mix == "all" else [args.mix]
    for mix in mixes:
        results, context = run_set(args, mix, names, workers, server_cores, client_cores, mix)
        baselines = ["knot", "gdnsd"] if mix == "steered" else ["knot"]
        baselines = [b for b in baselines if b in names]
        title = (f"{mix} mix, {args.mode}: {where}, {workers} worker(s) each, "
                 f"{args.duration} s, {max(args.clients, len(client_cores) or 1)} clients × "
                 f"{args.outstanding} outstanding")
        print_table(title, results, baselines, context, " ".join(sys.argv))


def cmd_scale(args):
    all_server = cores(args.server_cores)
    client_cores = cores(args.client_cores)
    for n in [int(x) for x in args.workers.split(",")]:
        if n > len(all_server):
            print(f"skipping {n} workers: only {len(all_server)} server cores given", file=sys.stderr)
            continue
        server_cores = all_server[:n]
        results, context = run_set(args, args.mix, args.servers, n, server_cores, client_cores, f"scale{n}")
        title = (f"{args.mix} mix, {n} worker(s) on core(s) {core_spec(server_cores)}, dnsperf on "
                 f"{core_spec(client_cores)}, {args.duration} s")
        print_table(title, results, [b for b in ["knot", "nsd"] if b in args.servers], context,
                    " ".join(sys.argv))


def cmd_zone_scale(args):
    server_cores = "" if args.mode == "all" else args.server_cores
    _, geo, _, _ = prepare_inputs(args)
    rows = []
    load0, busy0 = loadavg(), machine_busy()
    for size in [int(x) for x in args.sizes.split(",")]:
        zone = os.path.join(args.work, f"zone-{size}.txt")
        if not os.path.exists(zone):
            run_to(zone, [sys.executable, f"{HERE}/gen_zone.py", servers.ORIGIN, str(size)])
        for name in args.servers:
            loads, peaks, steadies = [], [], []
            for _ in range(args.repeat):
                running, load_time = start(args, name, 1, server_cores, zone, geo, f"zone{size}",
                                           steering=False)
                try:
                    time.sleep(0.5)
                    peak, steady = running.memory()
                finally:
                    running.stop()
                loads.append(load_time)
                peaks.append(peak)
                steadies.append(steady)
            rows.append((size, name, statistics.median(loads), statistics.median(peaks),
                         statistics.median(steadies)))
    print("\n### Zone scale: time from start to the first authoritative answer, memory\n")
    print("The zone file alone: no GeoIP database, no steered names.\n")
    print(f"`{' '.join(sys.argv)}`  ")
    busy1 = machine_busy()
    print(f"loadavg before {load0}, after {loadavg()}; machine CPU busy "
          f"{100 * (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]):.0f}% over the runs; "
          f"servers {'on core(s) ' + server_cores if server_cores else 'on all cores'}; "
          f"median of {args.repeat}\n")
    print("| records | server | load s | ×knot | peak RSS MiB | ×knot | RSS after load (PSS) MiB | ×knot |")
    print("|---|---|---|---|---|---|---|---|")
    for size, name, load, peak, steady in rows:
        knot = next((r for r in rows if r[0] == size and r[1] == "knot"), None)
        print(f"| {size:,} | {name} | {load:.2f} | {ratio(load, knot and knot[2])} | {peak:.1f} | "
              f"{ratio(peak, knot and knot[3])} | {steady:.1f} | {ratio(steady, knot and knot[4])} |")


def cmd_prepare(args):
    """Inputs and a Switchyard config for the profiles; prints `name=path` lines."""
    zone, geo, static, steered = prepare_inputs(args)
    work = os.path.join(args.work, "run", "profile")
    command = servers.prepare("switchyard", work, PORTS["switchyard"], 1, zone, geo)
    print(f"config={os.path.abspath(command[-1])}")
    print(f"static={os.path.abspath(static)}")
    print(f"steered={os.path.abspath(steered)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", default=os.path.join(HERE, "out"), help="generated files and server dirs")
    parser.add_argument("--switchyard", default="target/release/switchyard")
    parser.add_argument("--servers", default=",".join(servers.SERVERS),
                        type=lambda s: [x for x in s.split(",") if x])
    parser.add_argument("--records", type=int, default=100_000, help="zone size for the query runs")
    parser.add_argument("--networks", type=int, default=20_000, help="IPv4 networks in the GeoIP table")
    parser.add_argument("--queries", type=int, default=200_000, help="distinct queries per mix file")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each measured run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load first")
    parser.add_argument("--repeat", type=int, default=1, help="runs per server; the median is shown")
    parser.add_argument("--clients", type=int, default=4, help="dnsperf clients (sockets)")
    parser.add_argument("--outstanding", type=int, default=100, help="queries in flight per client")
    parser.add_argument("--timeout", type=int, default=2, help="seconds before dnsperf counts a query lost")
    parser.add_argument("--ready-timeout", type=int, default=300)
    parser.add_argument("--server-cores", default="0")
    parser.add_argument("--client-cores", default="1")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("throughput")
    t.add_argument("--mix", choices=["static", "steered", "all"], default="all")
    t.add_argument("--mode", choices=["pinned", "all"], default="pinned")
    s = sub.add_parser("scale")
    s.add_argument("--mix", choices=["static", "steered"], default="static")
    s.add_argument("--workers", default="1,2")
    sub.add_parser("prepare")
    z = sub.add_parser("zone-scale")
    z.add_argument("--sizes", default="10000,100000,1000000")
    z.add_argument("--mode", choices=["pinned", "all"], default="all")
    args = parser.parse_args()
    os.environ["SWITCHYARD"] = os.path.abspath(args.switchyard)
    args.switchyard = os.path.abspath(args.switchyard)
    {"prepare": cmd_prepare, "throughput": cmd_throughput, "scale": cmd_scale, "zone-scale": cmd_zone_scale}[args.command](args)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""DNSSEC and zone-transfer benchmarks: Switchyard beside Knot, BIND's dnssec-signzone and PowerDNS.

Usage: dnssec_bench.py [--work DIR] [--switchyard BIN] COMMAND ...
  configs --base TOML --out DIR   unsigned/nsec/nsec3 variants of a bench.py config (dnssec_profile.sh)
  head SOURCE TARGET N            the first N queries of a dnsperf -B file
  cpu      whole-server CPU per query, DO=1 against DO=0, static and steered mixes
  sign     signing time and peak memory (Switchyard, Knot `dnssec-signing: on`, dnssec-signzone);
           a reload changing one record
  live     DO=1 answers against Knot mod-onlinesign and PowerDNS LUA records (bind backend)
  xfr      AXFR/IXFR from Switchyard and from Knot; UDP answers while AXFRs run

Every server runs on loopback on its own port, is stopped by its PID, and every measured run
is bounded (dnsperf -l, timeouts). CPU figures are utime+stime from /proc, read before and
after a run at a fixed query rate; on a shared machine they are noisy: compare the rows of one
run, not runs of different days. See bench/README.md ("DNSSEC and zone transfers").
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import json

import dns.flags
import dns.message
import dns.query
import dns.rdatatype

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import servers  # noqa: E402

ORIGIN = servers.ORIGIN
PORTS = {"switchyard": 5330, "switchyard-unsigned": 5331, "knot": 5332, "pdns": 5333}


# ------------------------------------------------------------------------------ configs


def zone_table(config, extra):
    """`config` with its bench.test. entry as a table holding the `extra` lines."""
    match = re.search(rf'^"{ORIGIN}\." = "([^"]+)"$', config, re.M)
    table = f'[zones."{ORIGIN}."]\nfile = "{match.group(1)}"\n' + extra
    return config[: match.start()] + table + config[match.end():]


def dnssec_table(keys, denial="nsec"):
    return f'[zones."{ORIGIN}.".dnssec]\nkeys = "{keys}"\ndenial = "{denial}"\n'


def with_admin(config):
    return config.replace("[log]", '[admin]\nlisten = "127.0.0.1:0"\n[log]', 1)


def cmd_head(args):
    """The first N queries of a dnsperf -B file."""
    data, pos = open(args.source, "rb").read(), 0
    for _ in range(args.count):
        pos += 2 + int.from_bytes(data[pos:pos + 2], "big")
    with open(args.target, "wb") as f:
        f.write(data[:pos])


def cmd_configs(args):
    base = open(args.base).read()
    keys = os.path.abspath(os.path.join(args.out, "keys"))
    servers._write(os.path.join(args.out, "unsigned.toml"), zone_table(base, ""))
    for denial in ("nsec", "nsec3"):
        text = zone_table(base, dnssec_table(keys, denial))
        servers._write(os.path.join(args.out, f"{denial}.toml"), text)


# ------------------------------------------------------------------------------ helpers


class Switchyard(servers.Running):
    """A Switchyard process; `admin` is read from its ready line."""

    def __init__(self, binary, config, log_path):
        super().__init__("switchyard", [binary, "serve", "--config", config], None, log_path)
        self.log_path = log_path
        self.admin = None

    def wait_ready_line(self, timeout):
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"switchyard exited: {open(self.log_path).read()[-2000:]}")
            for line in open(self.log_path):
                if '"event":"ready"' in line:
                    self.admin = json.loads(line)["admin"]
                    return time.monotonic() - self.started
            time.sleep(0.05)
        raise RuntimeError("switchyard not ready")

    def reload(self):
        request = urllib.request.Request(f"http://{self.admin}/reload", data=b"", method="POST")
        started = time.monotonic()
        with urllib.request.urlopen(request, timeout=600) as reply:
            body = json.loads(reply.read())
        return time.monotonic() - started, body


def proc_kib(pid, key):
    return servers._proc_kib(pid, "status", key)


def reset_peak(pid):
    """Resets VmHWM to the current RSS (Linux ≥ 4.0: clear_refs 5)."""
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def query(port, name, rdtype, do=False, tcp=False, timeout=2.0):
    message = dns.message.make_query(name, rdtype, want_dnssec=do)
    message.flags &= ~dns.flags.RD
    send = dns.query.tcp if tcp else dns.query.udp
    return send(message, "127.0.0.1", port=port, timeout=timeout)


def wait_signed(running, port, timeout):
    """Seconds from start until the SOA is answered with its RRSIG."""
    deadline = running.started + timeout
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise RuntimeError(f"{running.name} exited with {running.process.returncode}")
        try:
            reply = query(port, ORIGIN + ".", "SOA", do=True, timeout=0.2)
            if any(rrset.rdtype == dns.rdatatype.RRSIG for rrset in reply.answer):
                return time.monotonic() - running.started
        except Exception:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{running.name} not signed after {timeout} s")


def soa_serial(port):
    reply = query(port, ORIGIN + ".", "SOA")
    return reply.answer[0][0].serial


def dnsperf_rate(port, queries, rate, seconds, do=False, binary=False):
    command = ["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries, "-Q", str(rate),
               "-l", str(seconds), "-c", "1", "-q", "200", "-t", "2"]
    if binary:
        command.append("-B")
    elif do:
        command.append("-D")
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    if result.returncode != 0:
        raise RuntimeError(f"dnsperf: {result.stderr[-500:]}")
    text = result.stdout
    completed = int(re.search(r"Queries completed:\s+(\d+)", text).group(1))
    lost = int(re.search(r"Queries lost:\s+(\d+)", text).group(1))
    latency = re.search(r"Average Latency \(s\):\s+([\d.]+).*max ([\d.]+)", text)
    return completed, lost, float(latency.group(1)) * 1000, float(latency.group(2)) * 1000


def cpu_per_query(running, port, queries, rate, seconds, do=False, binary=False, threads=None):
    """(CPU µs per answered query, answered, lost, avg ms, max ms) of one fixed-rate run; with
    `threads`, only the server threads whose name starts with it are counted."""
    before = thread_cpu(running.pid, threads) if threads else sum(running.cpu_seconds())
    completed, lost, avg, peak = dnsperf_rate(port, queries, rate, seconds, do, binary)
    after = thread_cpu(running.pid, threads) if threads else sum(running.cpu_seconds())
    return (after - before) * 1e6 / max(completed, 1), completed, lost, avg, peak


def thread_cpu(pid, prefix):
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            if not open(f"/proc/{pid}/task/{task}/comm").read().startswith(prefix):
                continue
            fields = open(f"/proc/{pid}/task/{task}/stat").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / servers.CLK_TCK


def with_do_bit(source, target):
    """A dnsperf -B file with the DO bit set in each query's OPT record (the only additional
    record, right after the one question)."""
    data, out, pos = open(source, "rb").read(), bytearray(), 0
    while pos + 2 <= len(data):
        length = int.from_bytes(data[pos:pos + 2], "big")
        packet = bytearray(data[pos + 2:pos + 2 + length])
        at = 12
        while packet[at]:
            at += 1 + packet[at]
        flags = at + 12
        if packet[at + 5] == 0 and packet[at + 6:at + 8] == b"\x00\x29":
            packet[flags] |= 0x80
        out += data[pos:pos + 2] + packet
        pos += 2 + length
    with open(target, "wb") as f:
        f.write(out)


def inputs(args, records):
    """Zone, GeoIP database, static and steered query files from bench.py's generators."""
    run = subprocess.run([sys.executable, f"{HERE}/bench.py", "--switchyard", args.switchyard,
                          "--records", str(records), "prepare"],
                         capture_output=True, text=True, check=True)
    found = dict(line.split("=", 1) for line in run.stdout.split())
    zone = os.path.join(args.work, f"zone-{records}.txt")
    base = open(found["config"]).read()
    return zone, base, found["static"], found["steered"]


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def table(header, rows):
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print(flush=True)


def mib(kib):
    return f"{kib / 1024:.0f}"


# ------------------------------------------------------------------------------ cpu


def cmd_cpu(args):
    """Whole-server CPU per query, DO=0 against DO=1, one UDP worker each."""
    zone, base, static, steered = inputs(args, args.records)
    work = fresh(os.path.join(args.work, "run", "dnssec-cpu"))
    steered_do = os.path.join(work, "steered-do.bin")
    with_do_bit(steered, steered_do)
    base = with_admin(base)
    configs = {
        "unsigned": zone_table(base.replace("5310", str(PORTS["switchyard-unsigned"])), ""),
        "signed": zone_table(base.replace("5310", str(PORTS["switchyard"])),
                             dnssec_table(os.path.join(work, "keys"), args.denial)),
    }
    running = {}
    try:
        for name, text in configs.items():
            path = os.path.join(work, f"{name}.toml")
            servers._write(path, text)
            running[name] = Switchyard(args.switchyard, path, os.path.join(work, f"{name}.log"))
            running[name].wait_ready_line(600)
        ports = {"unsigned": PORTS["switchyard-unsigned"], "signed": PORTS["switchyard"]}
        runs = [("static", static, False, False), ("static", static, True, False),
                ("steered", steered, False, True), ("steered", steered_do, True, True)]
        # Warm-up: every steered variant signed once (cache misses sign inline).
        dnsperf_rate(ports["signed"], steered_do, args.rate, 3, binary=True)
        rows = []
        for round_ in range(1, args.rounds + 1):
            for mix, file, do, binary in runs:
                for name in ("unsigned", "signed"):
                    if name == "unsigned" and do:
                        continue
                    us, done, lost, avg, peak = cpu_per_query(
                        running[name], ports[name], file, args.rate, args.seconds, do, binary,
                        threads="switchyard-udp")
                    rows.append((round_, mix, name, int(do), done, lost, f"{us:.2f}", f"{avg:.3f}"))
        print(f"Switchyard, 1 UDP worker, {args.records:,}-record zone (signed: "
              f"{args.denial.upper()}), dnsperf at {args.rate}/s "
              f"for {args.seconds} s per row; CPU of the UDP worker thread (utime+stime)")
        print()
        table(["round", "mix", "zone", "DO", "answered", "lost", "worker CPU µs/q", "avg ms"], rows)
    finally:
        for r in running.values():
            r.stop()


# ------------------------------------------------------------------------------ sign


KNOT_POLICY = """policy:
  - id: csk
    algorithm: ecdsap256sha256
    single-type-signing: on
    nsec3: off
    signing-threads: {threads}
"""


def knot_config(port, run_dir, zone, extra_zone="", extra_top="", journal="none"):
    os.makedirs(os.path.join(run_dir, "db"), exist_ok=True)
    return f"""server:
    rundir: "{run_dir}"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: {os.cpu_count()}
database:
    storage: "{run_dir}/db"
control:
    listen: "{run_dir}/knot.sock"
log:
  - target: stderr
    any: info
{extra_top}template:
  - id: default
    storage: "{os.path.dirname(zone)}"
    journal-content: {journal}
    zonefile-sync: -1
    zonefile-load: {"difference" if journal == "changes" else "whole"}
    semantic-checks: off
zone:
  - domain: {ORIGIN}
    file: "{zone}"
{extra_zone}"""


def time_v(command, log):
    """Runs `command` under /usr/bin/time -v; (wall s, user+sys s, max RSS KiB)."""
    started = time.monotonic()
    result = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True,
                            timeout=3600)
    wall = time.monotonic() - started
    with open(log, "w") as f:
        f.write(result.stdout + result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {result.stderr[-1500:]}")
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", result.stderr).group(1))
    system = float(re.search(r"System time \(seconds\): ([\d.]+)", result.stderr).group(1))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    return wall, user + system, rss


def change_one_record(zone_path):
    """Bumps the SOA serial and changes host0's address; returns the new text."""
    text = open(zone_path).read()
    serial = re.search(r"^@ SOA \S+ \S+ (\d+)", text, re.M)
    text = text[: serial.start(1)] + str(int(serial.group(1)) + 1) + text[serial.end(1):]
    text = re.sub(r"^host0 A 10\.0\.0\.0$", "host0 A 10.255.255.254", text, count=1, flags=re.M)
    return text


def sign_switchyard(args, size, zone, work, rows):
    for signed in (False, True):
        label = "switchyard (signed at start)" if signed else "switchyard (unsigned, for reference)"
        run_dir = fresh(os.path.join(work, f"switchyard-{'signed' if signed else 'plain'}"))
        zone_copy = os.path.join(run_dir, "zone")
        shutil.copy(zone, zone_copy)
        config = "\n".join(["[server]", f'listen = ["127.0.0.1:{PORTS["switchyard"]}"]',
                            "workers = 1", "[admin]", 'listen = "127.0.0.1:0"', "[log]",
                            'level = "warn"', "[zones]", f'"{ORIGIN}." = "{zone_copy}"']) + "\n"
        if signed:
            config = zone_table(config, dnssec_table(os.path.join(run_dir, "keys")))
        path = os.path.join(run_dir, "switchyard.toml")
        servers._write(path, config)
        # The key is made on the first start; the measured start finds it.
        if signed:
            subprocess.run([args.switchyard, "keys", "-c", path, "generate", "--zone", ORIGIN],
                           capture_output=True)
        running = Switchyard(args.switchyard, path, os.path.join(run_dir, "log"))
        try:
            ready = running.wait_ready_line(3600)
            user, system = running.cpu_seconds()
            peak = proc_kib(running.pid, "VmHWM")
            rss = proc_kib(running.pid, "VmRSS")
            if signed:
                wait_signed(running, PORTS["switchyard"], 3600)
            rows.append((f"{size:,}", label, f"{ready:.1f}", f"{user + system:.1f}", mib(peak),
                         mib(rss)))
            # Reloads: nothing changed, then one record changed (serial bumped).
            reset_peak(running.pid)
            same, body_same = running.reload()
            servers._write(zone_copy, change_one_record(zone_copy))
            cpu0 = sum(running.cpu_seconds())
            one, body_one = running.reload()
            cpu1 = sum(running.cpu_seconds())
            peak_reload = proc_kib(running.pid, "VmHWM")
            assert body_one.get("ok"), body_one
            reply = query(PORTS["switchyard"], f"host0.{ORIGIN}.", "A", do=signed)
            assert "10.255.255.254" in reply.to_text(), reply.to_text()
            RELOADS.append((f"{size:,}", label, f"{same:.2f}", f"{one:.2f}", f"{cpu1 - cpu0:.2f}",
                            mib(peak_reload)))
        finally:
            running.stop()


RELOADS = []


def sign_knot(args, size, zone, work, rows):
    run_dir = fresh(os.path.join(work, "knot"))
    zone_copy = os.path.join(run_dir, "zone")
    shutil.copy(zone, zone_copy)
    config = knot_config(PORTS["knot"], run_dir, zone_copy,
                         extra_zone="    dnssec-signing: on\n    dnssec-policy: csk\n",
                         extra_top=KNOT_POLICY.format(threads=os.cpu_count()))
    path = os.path.join(run_dir, "knot.conf")
    servers._write(path, config)
    running = servers.Running("knot", ["knotd", "-c", path], None, os.path.join(run_dir, "log"))
    try:
        signed = wait_signed(running, PORTS["knot"], 3600)
        user, system = running.cpu_seconds()
        rows.append((f"{size:,}", "knot (dnssec-signing: on, until served signed)",
                     f"{signed:.1f}", f"{user + system:.1f}", mib(proc_kib(running.pid, "VmHWM")),
                     mib(proc_kib(running.pid, "VmRSS"))))
    finally:
        running.stop()


def sign_signzone(args, size, zone, work, rows):
    run_dir = fresh(os.path.join(work, "signzone"))
    subprocess.run(["dnssec-keygen", "-q", "-K", run_dir, "-a", "ECDSAP256SHA256", "-f", "KSK",
                    "-n", "ZONE", ORIGIN], check=True, capture_output=True)
    wall, cpu, rss = time_v(
        ["dnssec-signzone", "-S", "-K", run_dir, "-d", run_dir, "-z", "-P", "-n", str(os.cpu_count()),
         "-o", ORIGIN, "-f", os.path.join(run_dir, "signed"), zone],
        os.path.join(run_dir, "time.log"))
    rows.append((f"{size:,}", f"dnssec-signzone -n {os.cpu_count()} (-P: no verification)",
                 f"{wall:.1f}", f"{cpu:.1f}", mib(rss), "–"))


def cmd_sign(args):
    work = fresh(os.path.join(args.work, "run", "dnssec-sign"))
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        zone = os.path.join(args.work, f"zone-{size}.txt")
        if not os.path.exists(zone):
            with open(zone, "w") as f:
                subprocess.run([sys.executable, f"{HERE}/gen_zone.py", ORIGIN, str(size)],
                               stdout=f, check=True)
        for step in (sign_switchyard, sign_knot, sign_signzone):
            if step.__name__[5:] in args.skip.split(","):
                continue
            try:
                step(args, size, zone, work, rows)
            except Exception as e:  # one failing tool must not hide the others' figures
                rows.append((f"{size:,}", step.__name__, "failed", str(e)[:200], "", ""))
            print(f"... {rows[-1]}", file=sys.stderr, flush=True)
    print(f"ECDSA P-256 CSK, NSEC; {os.cpu_count()} cores (all signers may use all of them)")
    print()
    table(["records", "signer", "wall s", "CPU s", "peak RSS MiB", "RSS after MiB"], rows)
    table(["records", "server", "reload, nothing changed, s", "reload, one record changed, s",
           "CPU of that reload, s", "peak RSS during reloads MiB"], RELOADS)


# ------------------------------------------------------------------------------ live


PDNS_CONF = """launch=bind
bind-config={run_dir}/named.conf
bind-dnssec-db={run_dir}/dnssec.db
local-address=127.0.0.1
local-port={port}
socket-dir={run_dir}
guardian=no
daemon=no
disable-syslog=yes
loglevel=3
enable-lua-records=yes
security-poll-suffix=
receiver-threads=1
distributor-threads=1
webserver=no
"""

WRR_LUA = ("wrr 30 IN LUA A \"pickwrandom({{4,'192.0.2.30'}, {2,'192.0.2.31'}, "
           "{1,'198.51.100.30'}, {1,'203.0.113.30'}})\"\n")


def live_servers(args, zone, base, work):
    """(name, Running, port, label) for each server that could be set up; notes for the rest."""
    started, notes = [], []
    # Switchyard: its own config with steering (wrr is a weighted service), signed.
    config = zone_table(with_admin(base.replace("5310", str(PORTS["switchyard"]))),
                        dnssec_table(os.path.join(work, "keys")))
    path = os.path.join(work, "switchyard.toml")
    servers._write(path, config)
    sy = Switchyard(args.switchyard, path, os.path.join(work, "switchyard.log"))
    sy.wait_ready_line(600)
    started.append(("switchyard", sy, PORTS["switchyard"], "signed at load + signature cache"))
    # Knot with mod-onlinesign (signs every answer; black lies for denial).
    knot_dir = fresh(os.path.join(work, "knot"))
    knot_zone = os.path.join(knot_dir, "zone")
    servers._write(knot_zone, open(zone).read() + servers.steered_static_records())
    knot_conf = os.path.join(knot_dir, "knot.conf")
    servers._write(knot_conf, knot_config(PORTS["knot"], knot_dir, knot_zone,
                                          extra_zone="    module: mod-onlinesign\n"))
    start_signed("knot", ["knotd", "-c", knot_conf], knot_dir, 120,
                 "mod-onlinesign (wrr: a plain A record)", started, notes)
    # PowerDNS: bind backend with a DNSSEC database, LUA record at wrr.
    if not shutil.which("pdns_server") or not os.path.exists(
            "/usr/lib/x86_64-linux-gnu/pdns/libbindbackend.so"):
        notes.append("PowerDNS: pdns_server or its bind backend (pdns-backend-bind) not installed")
        return started, notes
    pdns_dir = fresh(os.path.join(work, "pdns"))
    pdns_zone = os.path.join(pdns_dir, "zone")
    servers._write(pdns_zone, open(zone).read() + WRR_LUA)
    servers._write(os.path.join(pdns_dir, "named.conf"),
                   f'zone "{ORIGIN}" {{ type master; file "{pdns_zone}"; }};\n')
    servers._write(os.path.join(pdns_dir, "pdns.conf"),
                   PDNS_CONF.format(run_dir=pdns_dir, port=PORTS["pdns"]))
    util = ["pdnsutil", f"--config-dir={pdns_dir}"]
    for step in (["create-bind-db", os.path.join(pdns_dir, "dnssec.db")],
                 ["add-zone-key", ORIGIN, "ksk", "active", "ecdsa256"]):
        result = subprocess.run(util + step, capture_output=True, text=True)
        if result.returncode != 0:
            notes.append(f"PowerDNS: pdnsutil {' '.join(step)}: {result.stderr.strip()[-300:]}")
            return started, notes
    start_signed("pdns", ["pdns_server", f"--config-dir={pdns_dir}"], pdns_dir, 300,
                 "bind backend + LUA record at wrr", started, notes)
    return started, notes


def start_signed(name, command, run_dir, timeout, how, started, notes):
    """Starts a server and waits until it answers signed; a note with its log when it does not."""
    log = os.path.join(run_dir, "log")
    running = servers.Running(name, command, None, log)
    try:
        wait_signed(running, PORTS[name], timeout)
        started.append((name, running, PORTS[name], how))
    except RuntimeError as e:
        running.stop()
        notes.append(f"{name}: {e}: {open(log).read()[-500:]}")


def cmd_live(args):
    zone, base, static, _ = inputs(args, args.records)
    work = fresh(os.path.join(args.work, "run", "dnssec-live"))
    wrr = os.path.join(work, "wrr.txt")
    servers._write(wrr, f"wrr.{ORIGIN} A\n" * 1000)
    mix = os.path.join(work, "static.txt")
    with open(static) as f, open(mix, "w") as out:
        out.writelines(line for _, line in zip(range(50000), f))
    started, notes = [], []
    try:
        started, notes = live_servers(args, zone, base, work)
        for name, running, port, _ in started:  # warm caches with every query once
            dnsperf_rate(port, mix, args.rate, 3, do=True)
        rows = []
        for round_ in range(1, args.rounds + 1):
            for label, file in (("static mix", mix), ("wrr A", wrr)):
                for do in (False, True):
                    for name, running, port, how in started:
                        us, done, lost, avg, _ = cpu_per_query(running, port, file, args.rate,
                                                               args.seconds, do)
                        rows.append((round_, label, name, how, int(do), done, lost,
                                     f"{us:.2f}", f"{avg:.3f}"))
        print(f"{args.records:,}-record zone, one UDP worker/receiver each, dnsperf at {args.rate}/s "
              f"for {args.seconds} s per row; whole-server CPU (utime+stime) per answered query")
        print()
        table(["round", "queries", "server", "signing", "DO", "answered", "lost", "CPU µs/q",
               "avg ms"], rows)
        for note in notes:
            print(f"- not measured: {note}")
    finally:
        for _, running, _, _ in started:
            running.stop()


# ------------------------------------------------------------------------------ xfr


def kdig_axfr(port, kind="AXFR", serial=None):
    """(wall s, client max RSS KiB, records, messages) of one transfer with kdig."""
    qtype = f"IXFR={serial}" if serial is not None else kind
    with tempfile.NamedTemporaryFile("w+", suffix=".log") as log:
        started = time.monotonic()
        result = subprocess.run(["/usr/bin/time", "-v", "kdig", "@127.0.0.1", "-p", str(port),
                                 "+tcp", "+noall", "+stats", "-t", qtype, ORIGIN],
                                capture_output=True, text=True, timeout=600)
        wall = time.monotonic() - started
    stats = re.search(r"Received (\d+) B \((\d+) messages?, (\d+) records?\)", result.stdout)
    if not stats:
        raise RuntimeError(f"kdig {qtype}: {result.stdout[-500:]} {result.stderr[-500:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    return wall, rss, int(stats.group(3)), int(stats.group(2)), int(stats.group(1))


def xfr_servers(args, zone, work, started):
    """Starts both primaries, appending each to `started` as soon as it runs."""
    sy_dir = fresh(os.path.join(work, "switchyard"))
    sy_zone = os.path.join(sy_dir, "zone")
    shutil.copy(zone, sy_zone)
    config = "\n".join(["[server]", f'listen = ["127.0.0.1:{PORTS["switchyard"]}"]',
                        "workers = 1", "[admin]", 'listen = "127.0.0.1:0"', "[log]",
                        'level = "warn"', "[zones]", f'[zones."{ORIGIN}."]', f'file = "{sy_zone}"',
                        'allow_transfer = [{ network = "127.0.0.0/8" }]']) + "\n"
    path = os.path.join(sy_dir, "switchyard.toml")
    servers._write(path, config)
    sy = Switchyard(args.switchyard, path, os.path.join(sy_dir, "log"))
    started.append(("switchyard", sy, PORTS["switchyard"], sy_zone))
    sy.wait_ready_line(1200)
    knot_dir = fresh(os.path.join(work, "knot"))
    knot_zone = os.path.join(knot_dir, "zone")
    shutil.copy(zone, knot_zone)
    knot_conf = os.path.join(knot_dir, "knot.conf")
    servers._write(knot_conf, knot_config(
        PORTS["knot"], knot_dir, knot_zone, journal="changes",
        extra_top="acl:\n  - id: xfr\n    address: 127.0.0.0/8\n    action: transfer\n",
        extra_zone="    acl: xfr\n    journal-max-usage: 4G\n"))
    knot = servers.Running("knot", ["knotd", "-c", knot_conf], None, os.path.join(knot_dir, "log"))
    started.append(("knot", knot, PORTS["knot"], knot_zone, knot_conf))
    knot.wait_ready(PORTS["knot"], 1200)


def reload_server(entry):
    name, running = entry[0], entry[1]
    if name == "switchyard":
        running.reload()
    else:
        subprocess.run(["knotc", "-c", entry[4], "zone-reload", ORIGIN], check=True,
                       capture_output=True, timeout=600)


def axfr_loop(port, stop, counter):
    while not stop.is_set():
        subprocess.run(["kdig", "@127.0.0.1", "-p", str(port), "+tcp", "+noall", "-t", "AXFR",
                        ORIGIN], capture_output=True, timeout=600)
        counter.append(1)


def cmd_xfr(args):
    zone = os.path.join(args.work, f"zone-{args.records}.txt")
    if not os.path.exists(zone):
        with open(zone, "w") as f:
            subprocess.run([sys.executable, f"{HERE}/gen_zone.py", ORIGIN, str(args.records)],
                           stdout=f, check=True)
    _, _, static, _ = inputs(args, 100_000)
    work = fresh(os.path.join(args.work, "run", "xfr"))
    mix = os.path.join(work, "static.txt")  # names of the 100k zone exist in the larger ones
    shutil.copy(static, mix)
    started = []
    try:
        xfr_servers(args, zone, work, started)
        rows, ixfr_rows, during = [], [], []
        for round_ in range(1, args.rounds + 1):
            for entry in started:
                name, running, port = entry[:3]
                reset_peak(running.pid)
                rss_before = proc_kib(running.pid, "VmRSS")
                cpu0 = sum(running.cpu_seconds())
                wall, client_rss, records, messages, size = kdig_axfr(port)
                cpu1 = sum(running.cpu_seconds())
                rows.append((round_, name, records, messages, f"{size / 2**20:.0f}", f"{wall:.2f}",
                             f"{cpu1 - cpu0:.2f}", mib(rss_before),
                             mib(proc_kib(running.pid, "VmHWM")), mib(client_rss)))
        for entry in started:
            name, running, port, zone_path = entry[:4]
            old = soa_serial(port)
            servers._write(zone_path, change_one_record(zone_path))
            reload_server(entry)
            deadline = time.monotonic() + 600
            while soa_serial(port) == old and time.monotonic() < deadline:
                time.sleep(0.1)
            changed = time.monotonic()
            # Switchyard computes the difference after the new snapshot serves (and NOTIFYs
            # once it is in the history); until then an IXFR gets the whole zone.
            while True:
                wall, _, records, messages, size = kdig_axfr(port, serial=old)
                if records < 100 or time.monotonic() - changed > 60:
                    break
                time.sleep(0.2)
            ixfr_rows.append((name, old, records, messages, size, f"{wall * 1000:.0f}",
                              f"{time.monotonic() - changed - wall:.1f}"))
        for entry in started:
            name, running, port = entry[:3]
            for concurrent in (0, args.axfrs):
                stop, counter = threading.Event(), []
                loops = [threading.Thread(target=axfr_loop, args=(port, stop, counter))
                         for _ in range(concurrent)]
                for loop in loops:
                    loop.start()
                time.sleep(0.5 if concurrent else 0)
                try:
                    threads = "switchyard-udp" if name == "switchyard" else None
                    us, done, lost, avg, peak = cpu_per_query(running, port, mix, args.rate,
                                                              args.seconds, threads=threads)
                finally:
                    stop.set()
                    for loop in loops:
                        loop.join()
                during.append((name, concurrent, len(counter), done, lost, f"{avg:.3f}",
                               f"{peak:.1f}", f"{us:.2f}" if name == "switchyard" else "–"))
        print(f"{args.records:,}-record zone (unsigned), kdig +tcp to /dev/null (+noall +stats)")
        print()
        table(["round", "primary", "records", "messages", "MiB", "wall s", "server CPU s",
               "server RSS before MiB", "server peak RSS during MiB", "kdig max RSS MiB"], rows)
        table(["primary", "IXFR from serial", "records", "messages", "bytes", "wall ms",
               "incremental after new serial served, s"], ixfr_rows)
        print(f"UDP answers while AXFRs run: static mix at {args.rate}/s for {args.seconds} s")
        print()
        table(["server", "concurrent AXFR loops", "AXFRs completed", "answered", "lost",
               "avg ms", "max ms", "UDP worker CPU µs/q"], during)
    finally:
        for entry in started:
            entry[1].stop()


# ------------------------------------------------------------------------------ main


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", default=os.path.join(HERE, "out"))
    parser.add_argument("--switchyard", default="target/release/switchyard")
    sub = parser.add_subparsers(dest="command", required=True)
    configs = sub.add_parser("configs")
    configs.add_argument("--base", required=True)
    configs.add_argument("--out", required=True)
    head = sub.add_parser("head")
    head.add_argument("source")
    head.add_argument("target")
    head.add_argument("count", type=int)
    for name, rate, seconds in (("cpu", 10000, 8), ("live", 5000, 6), ("xfr", 5000, 8)):
        p = sub.add_parser(name)
        p.add_argument("--records", type=int, default=1_000_000 if name == "xfr" else 100_000)
        p.add_argument("--rate", type=int, default=rate, help="queries per second")
        p.add_argument("--seconds", type=int, default=seconds, help="per measured row")
        p.add_argument("--rounds", type=int, default=2 if name != "xfr" else 1)
        if name == "cpu":
            p.add_argument("--denial", choices=["nsec", "nsec3"], default="nsec",
                           help="the signed server's denial of existence")
        if name == "xfr":
            p.add_argument("--axfrs", type=int, default=4, help="concurrent AXFR loops")
    sign = sub.add_parser("sign")
    sign.add_argument("--sizes", default="100000,1000000")
    sign.add_argument("--skip", default="", help="comma list of switchyard,knot,signzone")
    args = parser.parse_args()
    args.work = os.path.abspath(args.work)
    {"configs": cmd_configs, "head": cmd_head, "cpu": cmd_cpu, "sign": cmd_sign, "live": cmd_live,
     "xfr": cmd_xfr}[args.command](args)


if __name__ == "__main__":
    main()

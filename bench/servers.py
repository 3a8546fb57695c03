"""The servers under test: their configuration files, starting, readiness, /proc figures, stopping.

Every server gets the same zone (bench.test. from gen_zone.py) on its own loopback port. The
steered names exist in each in that server's own way:
  switchyard  [[services]] geo / weighted / failover with the generated GeoIP database
  gdnsd       DYNA records: geoip (same database, same rules), weighted, simplefo
  knot, nsd   plain A/AAAA records at the same names (no steering: a reference only)
"""
import os
import signal
import socket
import struct
import subprocess
import time

ORIGIN = "bench.test"
SERVERS = ("switchyard", "knot", "nsd", "gdnsd")
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Steered names: datacenters, addresses and rules shared by the Switchyard and gdnsd configs.
DATACENTERS = {
    "ams": ("192.0.2.10", "2001:db8::10", (52.37, 4.90)),
    "iad": ("198.51.100.10", "2001:db8::20", (38.95, -77.45)),
    "sin": ("203.0.113.10", "2001:db8::30", (1.35, 103.82)),
}
GEO_RULES = [  # (switchyard rule, gdnsd map path, datacenter order)
    ("continent:EU", ("EU",), ["ams", "iad"]),
    ("continent:NA", ("NA",), ["iad", "ams"]),
    ("country:JP", ("AS", "JP"), ["sin", "iad"]),
    ("continent:AS", ("AS",), ["sin", "ams"]),
    ("continent:OC", ("OC",), ["sin", "iad"]),
    ("continent:SA", ("SA",), ["iad", "ams"]),
    ("continent:AF", ("AF",), ["ams", "iad"]),
]
GEO_NET = ("10.0.0.0/8", ["ams"])
GEO_DEFAULT = ["iad", "ams", "sin"]
WEIGHTED = [("192.0.2.30", 4), ("192.0.2.31", 2), ("198.51.100.30", 1), ("203.0.113.30", 1)]
FAILOVER = ("192.0.2.40", "198.51.100.40")  # primary (ams), secondary (iad)
STEERED_TTL = 30


def steered_static_records():
    """What Knot and NSD serve at the steered names: one fixed answer each."""
    ams_v4, ams_v6, _ = DATACENTERS["ams"]
    return (
        f"geo {STEERED_TTL} A {ams_v4}\ngeo {STEERED_TTL} AAAA {ams_v6}\n"
        f"wrr {STEERED_TTL} A {WEIGHTED[0][0]}\nfo {STEERED_TTL} A {FAILOVER[0]}\n"
    )


def switchyard_config(port, workers, zone, geo, steering=True):
    if not steering:
        return "\n".join([
            "[server]",
            f'listen = ["127.0.0.1:{port}"]',
            f"workers = {workers}",
            "[log]",
            'level = "warn"',
            "[zones]",
            f'"{ORIGIN}." = "{zone}"',
        ]) + "\n"
    lines = [
        "[server]",
        f'listen = ["127.0.0.1:{port}"]',
        f"workers = {workers}",
        "[log]",
        'level = "warn"',
        "[geoip]",
        f'database = "{geo}"',
        "[zones]",
        f'"{ORIGIN}." = "{zone}"',
        "[datacenters]",
    ]
    for name, (_, _, (lat, lon)) in DATACENTERS.items():
        lines.append(f"{name} = {{ location = [{lat}, {lon}] }}")
    targets = ",\n".join(
        f'  {{ datacenter = "{dc}", address = "{v4}" }},\n  {{ datacenter = "{dc}", address = "{v6}" }}'
        for dc, (v4, v6, _) in DATACENTERS.items()
    )
    lines += [
        "[[services]]",
        f'name = "geo.{ORIGIN}."',
        'policy = "geo"',
        f"ttl = {STEERED_TTL}",
        f"targets = [\n{targets}\n]",
        "[services.geo]",
        f'"net:{GEO_NET[0]}" = {GEO_NET[1]}',
    ]
    lines += [f'"{rule}" = {order}' for rule, _, order in GEO_RULES]
    lines.append(f"default = {GEO_DEFAULT}")
    dcs = list(DATACENTERS)
    weighted = ",\n".join(
        f'  {{ datacenter = "{dcs[i % len(dcs)]}", address = "{a}", weight = {w} }}'
        for i, (a, w) in enumerate(WEIGHTED)
    )
    lines += [
        "[[services]]",
        f'name = "wrr.{ORIGIN}."',
        'policy = "weighted"',
        f"ttl = {STEERED_TTL}",
        f"targets = [\n{weighted}\n]",
        "[[services]]",
        f'name = "fo.{ORIGIN}."',
        'policy = "failover"',
        'order = ["ams", "iad"]',
        f"ttl = {STEERED_TTL}",
        "targets = [",
        f'  {{ datacenter = "ams", address = "{FAILOVER[0]}" }},',
        f'  {{ datacenter = "iad", address = "{FAILOVER[1]}" }},',
        "]",
    ]
    return "\n".join(lines).replace("'", '"') + "\n"


def gdnsd_config(port, workers, run_dir, geo):
    def gdnsd_map():
        tree = {}
        for _, path, order in GEO_RULES:
            node = tree
            for key in path[:-1]:
                child = node.setdefault(key, {})
                if isinstance(child, list):  # a continent list becomes that continent's default
                    child = node[key] = {"default": child}
                node = child
            if isinstance(node.get(path[-1]), dict):
                node[path[-1]]["default"] = order
            else:
                node[path[-1]] = order
        tree["default"] = GEO_DEFAULT

        def render(node, indent):
            pad = " " * indent
            out = []
            for key, value in node.items():
                if isinstance(value, dict):
                    out.append(f"{pad}{key} => {{\n{render(value, indent + 2)}{pad}}}\n")
                else:
                    out.append(f"{pad}{key} => [{', '.join(value)}]\n")
            return "".join(out)

        return render(tree, 10)

    dcmap = "".join(
        f"          {dc} => {{ addrs_v4 => [{v4}], addrs_v6 => [{v6}] }}\n"
        for dc, (v4, v6, _) in DATACENTERS.items()
    )
    weighted = "".join(f"      t{i} = [ {a}, {w} ]\n" for i, (a, w) in enumerate(WEIGHTED))
    return f"""options => {{
  listen => [ 127.0.0.1:{port} ]
  udp_threads => {workers}
  tcp_threads => 1
  udp_rcvbuf => 1048576
  udp_sndbuf => 1048576
  run_dir => {run_dir}/run
  state_dir => {run_dir}/state
  zones_default_ttl => 3600
}}
plugins => {{
  geoip => {{
    maps => {{
      bench => {{
        geoip2_db => {geo}
        datacenters => [{', '.join(GEO_DEFAULT)}]
        map => {{
{gdnsd_map()}        }}
        nets => {{ {GEO_NET[0]} => [{', '.join(GEO_NET[1])}] }}
      }}
    }}
    resources => {{
      geo => {{
        map => bench
        dcmap => {{
{dcmap}        }}
      }}
    }}
  }}
  weighted => {{
    wrr => {{
{weighted}    }}
  }}
  simplefo => {{
    fo => {{ primary => {FAILOVER[0]}, secondary => {FAILOVER[1]} }}
  }}
}}
"""


def knot_config(port, workers, run_dir, zone):
    return f"""server:
    rundir: "{run_dir}"
    listen: 127.0.0.1@{port}
    udp-workers: {workers}
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{run_dir}/db"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "{os.path.dirname(zone)}"
    journal-content: none
    zonefile-sync: -1
    zonefile-load: whole
    semantic-checks: off
zone:
  - domain: {ORIGIN}
    file: "{zone}"
"""


def nsd_config(port, workers, run_dir, zone):
    reuse = "yes" if workers > 1 else "no"
    return f"""server:
    ip-address: 127.0.0.1@{port}
    server-count: {workers}
    reuseport: {reuse}
    database: ""
    zonelistfile: "{run_dir}/zone.list"
    xfrdfile: "{run_dir}/xfrd.state"
    pidfile: "{run_dir}/nsd.pid"
    username: ""
    chroot: ""
    zonesdir: "{os.path.dirname(zone)}"
    verbosity: 0
    receive-buffer-size: 4194304
    send-buffer-size: 4194304
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: {ORIGIN}
    zonefile: "{zone}"
"""


def prepare(server, work, port, workers, base_zone, geo, steering=True):
    """Writes the server's zone and configuration under work/<server>; returns its command.
    Without `steering`, the zone file alone (zone-scale runs): no GeoIP database, no steered
    names."""
    run_dir = os.path.join(work, server)
    os.makedirs(run_dir, exist_ok=True)
    with open(base_zone) as f:
        zone_text = f.read()
    if server == "switchyard":
        zone = os.path.join(run_dir, f"{ORIGIN}.zone")
        _write(zone, zone_text)
        config = os.path.join(run_dir, "switchyard.toml")
        _write(config, switchyard_config(port, workers, zone, geo, steering))
        binary = os.environ.get("SWITCHYARD", "target/release/switchyard")
        return [binary, "serve", "--config", config]
    if server == "knot":
        zone = os.path.join(run_dir, f"{ORIGIN}.zone")
        _write(zone, zone_text + (steered_static_records() if steering else ""))
        config = os.path.join(run_dir, "knot.conf")
        _write(config, knot_config(port, workers, run_dir, zone))
        return ["knotd", "-c", config]
    if server == "nsd":
        zone = os.path.join(run_dir, f"{ORIGIN}.zone")
        _write(zone, zone_text + (steered_static_records() if steering else ""))
        config = os.path.join(run_dir, "nsd.conf")
        _write(config, nsd_config(port, workers, run_dir, zone))
        return ["nsd", "-d", "-c", config]
    if server == "gdnsd":
        zones = os.path.join(run_dir, "zones")
        os.makedirs(zones, exist_ok=True)
        dyn = f"geo {STEERED_TTL} DYNA geoip!geo\nwrr {STEERED_TTL} DYNA weighted!wrr\nfo {STEERED_TTL} DYNA simplefo!fo\n"
        if steering:
            _write(os.path.join(zones, ORIGIN), zone_text + dyn)
            _write(os.path.join(run_dir, "config"), gdnsd_config(port, workers, run_dir, geo))
        else:
            _write(os.path.join(zones, ORIGIN), zone_text)
            config = gdnsd_config(port, workers, run_dir, geo)
            _write(os.path.join(run_dir, "config"), config[: config.index("plugins =>")])
        return ["gdnsd", "-c", run_dir, "start"]
    raise ValueError(server)


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


class Running:
    """A server process we started; stopped by its PID."""

    def __init__(self, name, command, cores, log_path):
        self.name = name
        self.log = open(log_path, "w")
        prefix = ["taskset", "-c", cores] if cores else []
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            prefix + command, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        self.pid = self.process.pid

    def wait_ready(self, port, timeout):
        """Seconds from start to the first authoritative SOA answer for the zone."""
        deadline = self.started + timeout
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(0.02)
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
                if soa_answered(sock, port):
                    return time.monotonic() - self.started
                time.sleep(0.01)
        finally:
            sock.close()
        raise RuntimeError(f"{self.name} not answering after {timeout} s")

    def pids(self):
        """The process and its descendants (NSD forks its servers)."""
        children = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                    children.setdefault(ppid, []).append(int(entry))
                except (OSError, IndexError, ValueError):
                    pass
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def cpu_seconds(self):
        """(user, system) CPU seconds of the server and its descendants."""
        user = system = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                user += int(fields[11])
                system += int(fields[12])
            except (OSError, IndexError, ValueError):
                pass
        return user / CLK_TCK, system / CLK_TCK

    def memory(self):
        """(peak RSS of the largest process, current RSS summed by PSS), in MiB."""
        peak = pss = 0
        for pid in self.pids():
            peak = max(peak, _proc_kib(pid, "status", "VmHWM"))
            pss += _proc_kib(pid, "smaps_rollup", "Pss")
        return peak / 1024, pss / 1024

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _proc_kib(pid, name, key):
    """The `key:` figure (kB) of /proc/PID/NAME; 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/{name}") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def soa_answered(sock, port):
    """Asks for the zone's SOA; true on an authoritative NOERROR answer."""
    qid = os.getpid() & 0xFFFF
    name = b"".join(bytes([len(l)]) + l.encode() for l in ORIGIN.split(".")) + b"\x00"
    packet = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + name + struct.pack("!HH", 6, 1)
    try:
        sock.sendto(packet, ("127.0.0.1", port))
        reply, _ = sock.recvfrom(4096)
    except OSError:
        return False
    if len(reply) < 12:
        return False
    rid, flags, _, ancount = struct.unpack("!HHHH", reply[:8])
    return rid == qid and flags & 0x8000 and flags & 0x0400 and flags & 0xF == 0 and ancount > 0

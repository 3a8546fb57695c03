#!/usr/bin/env python3
"""Writes the query files of the benchmark.

  gen_queries.py static  ORIGIN RECORDS COUNT > static.txt
      dnsperf text format ("name type"), no EDNS, from a zone made by gen_zone.py with the
      same ORIGIN and RECORDS: positive answers (A, AAAA, MX, TXT, SRV), NXDOMAIN, NODATA,
      referrals below delegations, CNAMEs and wildcard matches.

  gen_queries.py steered ORIGIN NETWORKS COUNT > steered.bin
      dnsperf -B binary format (2-byte length, then the raw query). Every query carries
      EDNS and most an EDNS Client Subnet option from a different network: dnsperf 2.10's
      -E adds one fixed option to every query, while -B sends each packet as written, so
      the ECS address can vary per query with the same load generator and the same
      counting as the static mix. NETWORKS is the list written by gen_geo.py.

Deterministic for given arguments. A summary of the mix goes to stderr.
"""
import collections
import ipaddress
import random
import struct
import sys

# The steered names (see bench/servers.py): geo, weighted and failover policies.
GEO, WEIGHTED, FAILOVER = "geo", "wrr", "fo"


def zone_names(total):
    """The names gen_zone.py writes for RECORDS=total, by kind (same loop, nothing written)."""
    names = collections.defaultdict(list)
    written = 6
    i = 0
    while written < total:
        kind = i % 20
        if kind < 12:
            names["a"].append(f"host{i}")
            written += 1
        elif kind < 15:
            names["aaaa"].append(f"host{i}")
            written += 1
        elif kind == 15:
            names["mx"].append(f"mx{i}")
            written += 1
        elif kind == 16:
            names["txt"].append(f"txt{i}")
            written += 1
        elif kind == 17:
            names["cname"].append(f"alias{i}")
            written += 1
        elif kind == 18:
            names["srv"].append(f"_sip._tcp.svc{i}")
            written += 1
        else:
            names["delegation"].append(f"sub{i}")
            written += 2
        i += 1
    return names


def static(origin, total, count, rng):
    names = zone_names(total)
    # (share, label, generator) — shares add up to 100.
    mix = [
        (25, "positive A", lambda: (rng.choice(names["a"]), "A")),
        (8, "positive AAAA", lambda: (rng.choice(names["aaaa"]), "AAAA")),
        (3, "positive MX", lambda: (rng.choice(names["mx"]), "MX")),
        (2, "positive TXT", lambda: (rng.choice(names["txt"]), "TXT")),
        (2, "positive SRV", lambda: (rng.choice(names["srv"]), "SRV")),
        (15, "NXDOMAIN", lambda: (f"nx{rng.randrange(10**9)}", "A")),
        (10, "NODATA", lambda: (rng.choice(names["a"]), rng.choice(("MX", "TXT", "AAAA")))),
        (10, "referral", lambda: (f"www.{rng.choice(names['delegation'])}", "A")),
        (15, "CNAME", lambda: (rng.choice(names["cname"]), rng.choice(("A", "AAAA")))),
        (10, "wildcard", lambda: (f"x{rng.randrange(10**6)}.wild", "A")),
    ]
    assert sum(share for share, _, _ in mix) == 100
    weights = [share for share, _, _ in mix]
    counts = collections.Counter()
    lines = []
    for _ in range(count):
        share, label, make = rng.choices(mix, weights)[0]
        name, qtype = make()
        counts[label] += 1
        lines.append(f"{name}.{origin} {qtype}\n")
    sys.stdout.write("".join(lines))
    return counts


def wire_name(name):
    out = bytearray()
    for label in name.rstrip(".").split("."):
        out.append(len(label))
        out += label.encode()
    out.append(0)
    return bytes(out)


def ecs_option(network):
    """EDNS Client Subnet option (RFC 7871) for a network, address truncated to the prefix."""
    family = 1 if network.version == 4 else 2
    prefix = network.prefixlen
    address = network.network_address.packed[: (prefix + 7) // 8]
    data = struct.pack("!HBB", family, prefix, 0) + address
    return struct.pack("!HH", 8, len(data)) + data


def query(name, qtype, ecs):
    header = struct.pack("!HHHHHH", 0, 0x0100, 1, 0, 0, 1)  # RD, as dnsperf sends
    question = wire_name(name) + struct.pack("!HH", qtype, 1)
    options = ecs_option(ecs) if ecs is not None else b""
    # OPT: root owner, type 41, payload 1232, no extended rcode, version 0, no flags.
    opt = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, len(options)) + options
    packet = header + question + opt
    return struct.pack("!H", len(packet)) + packet


def client_network(networks, rng):
    """A resolver's ECS subnet: mostly inside a network of the table, some elsewhere."""
    roll = rng.random()
    if roll < 0.80:
        net = ipaddress.ip_network(rng.choice(networks))
        size = net.num_addresses
        address = net.network_address + rng.randrange(size)
    elif roll < 0.85:
        address = ipaddress.ip_address(f"10.{rng.randrange(256)}.{rng.randrange(256)}.1")
    else:
        address = ipaddress.ip_address(rng.randrange(1 << 24, 223 << 24))
    prefix = 24 if address.version == 4 else 56
    return ipaddress.ip_network(f"{address}/{prefix}", strict=False)


def steered(origin, networks_file, count, rng):
    with open(networks_file) as f:
        networks = [line.strip() for line in f if line.strip()]
    v4 = [n for n in networks if ":" not in n]
    v6 = [n for n in networks if ":" in n]
    A, AAAA = 1, 28
    mix = [
        (45, "geo A, ECS IPv4", lambda: (GEO, A, client_network(v4, rng))),
        (10, "geo AAAA, ECS IPv6", lambda: (GEO, AAAA, client_network(v6, rng))),
        (5, "geo A, no ECS", lambda: (GEO, A, None)),
        (20, "weighted A, ECS IPv4", lambda: (WEIGHTED, A, client_network(v4, rng))),
        (20, "failover A, ECS IPv4", lambda: (FAILOVER, A, client_network(v4, rng))),
    ]
    weights = [share for share, _, _ in mix]
    counts = collections.Counter()
    out = bytearray()
    for _ in range(count):
        share, label, make = rng.choices(mix, weights)[0]
        name, qtype, ecs = make()
        counts[label] += 1
        out += query(f"{name}.{origin}", qtype, ecs)
    sys.stdout.buffer.write(bytes(out))
    return counts


def main():
    mode, origin, source, count = sys.argv[1], sys.argv[2].rstrip("."), sys.argv[3], int(sys.argv[4])
    rng = random.Random(20260102)
    if mode == "static":
        counts = static(origin, int(source), count, rng)
    elif mode == "steered":
        counts = steered(origin, source, count, rng)
    else:
        sys.exit(f"unknown mode {mode}")
    for label, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {label}: {100 * n / count:.1f}%", file=sys.stderr)


if __name__ == "__main__":
    main()

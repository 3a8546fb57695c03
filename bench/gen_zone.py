#!/usr/bin/env python3
"""Generates a zone of N records for load and query benchmarks.

Usage: gen_zone.py ORIGIN RECORDS > zone
The mix: mostly A and AAAA hosts, some MX, TXT, CNAME, SRV, delegations with glue and a
wildcard, like a large hosting zone. Deterministic for a given size.
"""
import sys


def main():
    origin = sys.argv[1].rstrip(".") + "."
    total = int(sys.argv[2])
    out = sys.stdout
    out.write(f"$ORIGIN {origin}\n$TTL 3600\n")
    out.write("@ SOA ns1 hostmaster 2026112201 7200 1800 1209600 300\n")
    out.write("@ NS ns1\n@ NS ns2\nns1 A 192.0.2.53\nns2 A 198.51.100.53\n")
    out.write("*.wild A 192.0.2.100\n")
    written = 6
    i = 0
    while written < total:
        a, b = (i >> 8) & 0xFF, i & 0xFF
        kind = i % 20
        if kind < 12:
            out.write(f"host{i} A 10.{(i >> 16) & 0xFF}.{a}.{b}\n")
            written += 1
        elif kind < 15:
            out.write(f"host{i} AAAA 2001:db8:{(i >> 16) & 0xFFFF:x}::{i & 0xFFFF:x}\n")
            written += 1
        elif kind == 15:
            out.write(f"mx{i} MX 10 host{i - 1}\n")
            written += 1
        elif kind == 16:
            out.write(f"txt{i} TXT \"v=spf1 include:spf{i}.example.net -all\"\n")
            written += 1
        elif kind == 17:
            out.write(f"alias{i} CNAME host{i - 5}\n")
            written += 1
        elif kind == 18:
            out.write(f"_sip._tcp.svc{i} SRV 10 60 5060 host{i - 6}\n")
            written += 1
        else:
            out.write(f"sub{i} NS ns.sub{i}\nns.sub{i} A 192.0.2.{b}\n")
            written += 2
        i += 1


if __name__ == "__main__":
    main()

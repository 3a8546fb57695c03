"""Reads a zone file with dnspython, an independent reader, and prints every record as
`OWNER TTL TYPECODE HEX` (uncompressed wire rdata, names as written), one per line.

Usage: python3 read_with_dnspython.py FILE ORIGIN
Exit status 2 when dnspython is not installed, 1 when it rejects the file.
"""

import sys

try:
    import dns.zone
except ImportError:
    sys.exit(2)

path, origin = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    text = f.read()
try:
    zone = dns.zone.from_text(text, origin, relativize=False, check_origin=False)
except Exception as e:  # dnspython raises several exception types for bad input
    print(f"dnspython rejects {path}: {e}", file=sys.stderr)
    sys.exit(1)
for name, ttl, rdata in zone.iterate_rdatas():
    print(f"{name.to_text().lower()} {ttl} {int(rdata.rdtype)} {rdata.to_wire().hex().upper()}")

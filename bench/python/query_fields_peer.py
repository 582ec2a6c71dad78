"""The per-record method for query fields, as studios run it today: fpt-api (a wrapper around
the official client, on the Python registry) reading every Shot with query fields: one
`summarize` or `find` per record and field, 8 threads at once.

Usage: query_fields_peer.py URL SCRIPT_NAME SCRIPT_KEY FIELDS OUT -> prints "records seconds";
writes {id: {field: value}} to OUT (fpt-api gives every value as a string).
"""
import json
import sys
import time

from fpt_api import FPT

url, name, key, fields, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(","), sys.argv[5]
t = time.perf_counter()
sg = FPT(url, script_name=name, api_key=key)
records = sg.find("Shot", [], ["code"] + fields)
elapsed = time.perf_counter() - t
with open(out, "w") as f:
    json.dump({str(r["id"]): {k: r.get(k) for k in fields} for r in records}, f)
print(len(records), elapsed)

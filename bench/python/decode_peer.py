"""The official Python client decoding one `read` answer, as its `find` does: `_decode_response`
(json), `_response_errors`, `_transform_inbound` (date-times, ...) and `_parse_records`.

Usage: decode_peer.py PAGE.json RUNS -> prints "records median_seconds peak_bytes".
"""
import sys
import time
import tracemalloc

import shotgun_api3

path, runs = sys.argv[1], int(sys.argv[2])
with open(path, encoding="utf-8") as f:
    body = f.read()
# No connection is made: only the decoding methods are called.
sg = shotgun_api3.Shotgun("https://bench.example.com", "bench", "0" * 40, connect=False)
# What `info()` would have answered (`_parse_records` asks for the server's version).
sg._server_caps = shotgun_api3.shotgun.ServerCapabilities(sg.config.server, {"version": [8, 0, 0]})
headers = {"content-type": "application/json"}


def decode():
    response = sg._decode_response(headers, body)
    sg._response_errors(response)
    response = sg._transform_inbound(response)
    return sg._parse_records(response["results"]["entities"])


times = []
records = []
for _ in range(runs):
    t = time.perf_counter()
    records = decode()
    times.append(time.perf_counter() - t)
times.sort()
tracemalloc.start()
decode()
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(len(records), times[len(times) // 2], peak)

"""The official Python client creating N Shots in batches of CHUNK, one `batch` call after the
other, as a user would with `Shotgun.batch` in a loop.

Usage: bulk_peer.py URL SCRIPT_NAME SCRIPT_KEY N CHUNK TAG -> prints "created seconds".
"""
import sys
import time

import shotgun_api3

url, name, key = sys.argv[1], sys.argv[2], sys.argv[3]
n, chunk, tag = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
sg = shotgun_api3.Shotgun(url, name, key)
requests = [
    {
        "request_type": "create",
        "entity_type": "Shot",
        "data": {
            "code": "%s_%06d" % (tag, i),
            "description": "created in bulk by the benchmark",
            "project": {"type": "Project", "id": 1},
            "sg_status_list": "wtg",
        },
    }
    for i in range(n)
]
t = time.perf_counter()
created = 0
for start in range(0, n, chunk):
    created += len(sg.batch(requests[start : start + chunk]))
print(created, time.perf_counter() - t)

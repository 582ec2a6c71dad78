"""The official Python client reading every Shot with the given fields, as a user would:
`Shotgun.find`, which reads page after page and collects the records.

Usage: find_peer.py URL SCRIPT_NAME SCRIPT_KEY FIELDS -> prints "records seconds peak_kib".
FIELDS is comma-separated. The time includes the `info` call the first request makes.
"""
import resource
import sys
import time

import shotgun_api3

url, name, key, fields = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
t = time.perf_counter()
sg = shotgun_api3.Shotgun(url, name, key)
records = sg.find("Shot", [], fields)
elapsed = time.perf_counter() - t
# ru_maxrss is in KiB on Linux.
print(len(records), elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)

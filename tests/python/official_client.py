"""Drives the official Python client (shotgun_api3) against the local api3 server.

Run by tests/tests/official_client.rs, which starts the server, passes its address and the
script credentials in SG_URL / SG_SCRIPT_NAME / SG_SCRIPT_KEY, and compares what this prints
(one JSON document) and the requests the server received with what sg-runtime does.
"""
import json
import os
import sys

import shotgun_api3


def main():
    sg = shotgun_api3.Shotgun(
        os.environ["SG_URL"],
        script_name=os.environ["SG_SCRIPT_NAME"],
        api_key=os.environ["SG_SCRIPT_KEY"],
    )
    out = {"finds": []}
    for limit, page in json.loads(os.environ["SG_FINDS"]):
        records = sg.find("Shot", [], limit=limit, page=page)
        out["finds"].append([r["id"] for r in records])
    print("finds done", file=sys.stderr)

    created = sg.create("Shot", {"code": "py<1>", "description": "a < b"}, ["code"])
    read = sg.find_one("Shot", [["id", "is", created["id"]]], ["code", "description"])
    out["created"] = {"code": created["code"], "read_code": read["code"], "read_description": read["description"]}

    sg.create("Shot", {"code": "py_plate", "sg_plate": {"local_path": "/mnt/show/sq010/plate.mov", "name": "plate"}})
    plate = sg.find_one("Shot", [["code", "is", "py_plate"]], ["sg_plate"])["sg_plate"]
    out["plate"] = {k: plate.get(k) for k in ("link_type", "local_path", "url", "local_path_linux", "local_path_windows")}

    # The second cut of the typed API, as the official client asks: a filter preset, a deep
    # filter through a multi-entity link, every summary shape with a number grouping.
    for code, shot in (("v1", 1), ("v2", 1), ("v3", 2)):
        sg.create("Version", {"code": code, "entity": {"type": "Shot", "id": shot}})
    latest = sg.find(
        "Version", [], ["code"], order=[{"field_name": "code", "direction": "asc"}],
        additional_filter_presets=[{"preset_name": "LATEST", "latest_by": "ENTITIES_CREATED_AT"}],
    )
    out["latest"] = [v["code"] for v in latest]
    sg.create("Playlist", {"code": "dailies", "versions": [{"type": "Version", "id": 1}]})
    through = sg.find("Playlist", [["versions.Version.code", "is", "v1"]], ["code"])
    out["through_multi_entity"] = [p["code"] for p in through]
    out["summary"] = sg.summarize(
        "Shot", [["id", "less_than", 30]],
        [{"field": "id", "type": "record_count"}, {"field": "sg_cut_in", "type": "sum"}],
        grouping=[{"field": "sg_cut_in", "type": "tens", "direction": "asc"}],
    )

    project = sg.find_one("Project", [["id", "is", 1]], ["image", "name"])
    out["project"] = {"image": project["image"], "name": project["name"]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()

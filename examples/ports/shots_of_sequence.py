import os

import shotgun_api3

sg = shotgun_api3.Shotgun(
    os.environ["SG_SITE"],
    script_name=os.environ["SG_SCRIPT_NAME"],
    api_key=os.environ["SG_SCRIPT_KEY"],
)
shots = sg.find(
    "Shot",
    [["sg_sequence.Sequence.code", "is", "SQ010"]],
    ["code", "sg_status_list", "sg_cut_in", "sg_cut_out"],
    order=[{"field_name": "code", "direction": "asc"}],
)
for shot in shots:
    print(shot["code"], shot["sg_status_list"], shot["sg_cut_in"], shot["sg_cut_out"])

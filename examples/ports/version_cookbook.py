import os

import shotgun_api3

sg = shotgun_api3.Shotgun(
    os.environ["SG_SITE"],
    script_name=os.environ["SG_SCRIPT_NAME"],
    api_key=os.environ["SG_SCRIPT_KEY"],
)
shot = sg.find_one("Shot", [["code", "is", "sq10_sh010"]], ["project"])
task = sg.find_one(
    "Task", [["entity", "is", shot], ["content", "is", "Animation"]], ["entity"]
)
data = {
    "project": shot["project"],
    "code": "sq10_sh010_anim_v001",
    "description": "First pass at the opening chase",
    "sg_path_to_frames": "/prod/bigbuck/sq10_sh010/anim/v001/frames.####.exr",
    "sg_status_list": "rev",
    "entity": task["entity"],
    "sg_task": task,
    "user": {"type": "HumanUser", "id": 1},
}
version = sg.create("Version", data)
entity = version["entity"]
print("created Version", version["id"], version["code"], "on", entity["type"], entity["id"])

import os

import shotgun_api3

sg = shotgun_api3.Shotgun(
    os.environ["SG_SITE"],
    script_name=os.environ["SG_SCRIPT_NAME"],
    api_key=os.environ["SG_SCRIPT_KEY"],
)
shot = sg.find_one("Shot", [["code", "is", "sq10_sh010"]], ["project"])
note = sg.create(
    "Note",
    {
        "project": shot["project"],
        "subject": "Timing",
        "content": "Hold two frames longer",
        "note_links": [shot],
    },
)
for text in ["Done in v002", "Approved"]:
    sg.create("Reply", {"entity": note, "content": text})
for item in sg.note_thread_read(note["id"]):
    print(item["type"], item["id"], item["content"])

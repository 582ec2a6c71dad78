"""Uploads and downloads with the official Python client (shotgun_api3) against the local server.

Run by tests/tests/official_client.rs with SG_URL / SG_SCRIPT_NAME / SG_SCRIPT_KEY and SG_DIR (a
folder of files to upload); prints one JSON document of what came back.
"""
import http.cookiejar
import json
import os
import urllib.request

import shotgun_api3


def cookie_for_bare_host(sg):
    """The official client's download cookie, for the host without its port.

    `get_auth_cookie_handler` sets the cookie's domain to `config.server`, which is `host:port`
    here; Python's cookiejar never sends a cookie whose domain carries a port, so against a
    loopback server on a port no cookie would go out. A real site has no port in its address.
    The cookie (`_session_id` = the session token) is the official client's own.
    """
    original = sg.get_auth_cookie_handler

    def handler():
        jar = http.cookiejar.CookieJar()
        for c in original().cookiejar:
            c.domain = c.domain.split(":")[0]
            jar.set_cookie(c)
        return urllib.request.HTTPCookieProcessor(jar)

    sg.get_auth_cookie_handler = handler


def main():
    sg = shotgun_api3.Shotgun(
        os.environ["SG_URL"],
        script_name=os.environ["SG_SCRIPT_NAME"],
        api_key=os.environ["SG_SCRIPT_KEY"],
    )
    cookie_for_bare_host(sg)
    folder = os.environ["SG_DIR"]
    version = sg.find_one("Version", [])
    out = {}
    movie = os.path.join(folder, "take.mov")
    out["movie_id"] = sg.upload("Version", version["id"], movie, field_name="sg_uploaded_movie", display_name="Take 1")
    field = sg.find_one("Version", [["id", "is", version["id"]]], ["sg_uploaded_movie"])["sg_uploaded_movie"]
    out["field"] = {k: field.get(k) for k in ("name", "link_type", "content_type", "id")}
    out["attachment_id"] = sg.upload("Shot", 1, os.path.join(folder, "notes.txt"), display_name="Notes")
    out["thumb_id"] = sg.upload_thumbnail("Shot", 1, os.path.join(folder, "thumb.png"))
    out["image"] = sg.find_one("Shot", [["id", "is", 1]], ["image"])["image"]
    data = sg.download_attachment(out["movie_id"])
    out["downloaded"] = len(data)
    out["same"] = data == open(movie, "rb").read()
    print(json.dumps(out))


if __name__ == "__main__":
    main()

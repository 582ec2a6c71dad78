"""The per-record method for query fields, through the official Python client (shotgun_api3):
what the Python wrapper fpt-api does. For each record and field, the field's query (from the
site's schema) with the parent token replaced by the record, one `summarize` or `find` each.

Run by tests/tests/query_fields.rs with SG_URL / SG_SCRIPT_NAME / SG_SCRIPT_KEY, SG_ENTITY and
SG_FIELDS (a JSON list); prints {field: {id: value}} as one JSON document. Written apart from
sg-runtime (its own filter translation) so that the two can disagree.
"""
import json
import os

import shotgun_api3

TOKEN = "parent_entity_token"


def active(c):
    return str(c.get("active", "true")).lower() != "false"


def translate(conditions, parent):
    """The stored conditions as the official client's filter list."""
    out = []
    for c in conditions:
        if not active(c):
            continue
        if "conditions" in c:
            op = "any" if c.get("logical_operator") == "or" else "all"
            out.append({"filter_operator": op, "filters": translate(c["conditions"], parent)})
            continue
        values = []
        for v in c.get("values", []):
            if isinstance(v, dict) and v.get("valid") == TOKEN:
                values.append(parent)
            elif isinstance(v, dict) and "type" in v and "id" in v:
                values.append({"type": v["type"], "id": v["id"]})
            else:
                values.append(v)
        out.append([c["path"], c["relation"]] + values)
    return out


def value_of(sg, props, parent):
    query = props["query"]["value"]
    filters = query.get("filters") or {}
    if isinstance(filters, list):
        conditions, op = [], "all"
    else:
        conditions = filters.get("conditions", [])
        op = "any" if filters.get("logical_operator") == "or" else "all"
    flt = translate(conditions, parent)
    kind = props["summary_default"]["value"]
    field = (props.get("summary_field") or {}).get("value") or "id"
    sv = (props.get("summary_value") or {}).get("value")
    if kind == "single_record":
        sv = sv or {}
        order = []
        if sv.get("column"):
            order = [{"field_name": sv["column"], "direction": sv.get("direction", "asc")}]
        limit = sv.get("limit", 1)
        found = sg.find(query["entity_type"], flt, [field], order=order, limit=limit, filter_operator=op)
        values = [r.get(field) for r in found]
        if limit > 1:
            return values
        return values[0] if values else None
    spec = {"field": field, "type": kind}
    if sv is not None:
        spec["value"] = sv
    answer = sg.summarize(query["entity_type"], flt, [spec], filter_operator=op)
    return answer["summaries"][field]


def main():
    sg = shotgun_api3.Shotgun(
        os.environ["SG_URL"],
        script_name=os.environ["SG_SCRIPT_NAME"],
        api_key=os.environ["SG_SCRIPT_KEY"],
    )
    entity = os.environ["SG_ENTITY"]
    fields = json.loads(os.environ["SG_FIELDS"])
    schema = sg.schema_field_read(entity)
    records = sg.find(entity, [], ["id"])
    out = {}
    for f in fields:
        props = schema[f]["properties"]
        out[f] = {}
        for r in records:
            parent = {"type": entity, "id": r["id"]}
            v = value_of(sg, props, parent)
            if hasattr(v, "isoformat"):
                # The official client turns date_times into datetimes: back to the wire form.
                v = v.astimezone(shotgun_api3.sg_timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            elif isinstance(v, list):
                v = [x.astimezone(shotgun_api3.sg_timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if hasattr(x, "isoformat") else x for x in v]
            out[f][str(r["id"])] = v
    print(json.dumps(out))


if __name__ == "__main__":
    main()

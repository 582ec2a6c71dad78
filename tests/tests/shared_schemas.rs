//! The client and the local server on the schemas of two real sites (`../shared/schemas`, named by
//! `SG_SHARED_SCHEMAS`; skipped, saying so, where it is unset).

use serde_json::{json, Map, Value};
use sg_localsite::LocalSite;
use sg_runtime::schema::Schema;
use sg_runtime::{BatchRequest, EntityRef, FieldUpdate, Filter, Grouping, Query, Summary};
use sg_tests::shared_schemas;
use sg_tests::SiteClient;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn every_method_on_both_real_schemas() {
    let Some(sites) = shared_schemas("every_method_on_both_real_schemas") else {
        return;
    };
    for (name, dir) in sites {
        let schema = Schema::load(&dir).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(schema.entities.len() > 70, "{name}");
        let server = LocalSite::start(schema.clone()).unwrap();
        let c = server.client().unwrap();
        assert!(c.info().unwrap()["version"].is_array());
        // The schema reads give back what the site gave, untouched.
        let raw: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("schema_read.json")).unwrap())
                .unwrap();
        assert_eq!(
            c.schema_read(None).unwrap(),
            raw,
            "{name}: schema_read round trip"
        );
        let raw: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("schema_entity_read.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(
            c.schema_entity_read(None).unwrap(),
            raw,
            "{name}: schema_entity_read round trip"
        );
        assert_eq!(
            c.schema_field_read("Shot", None, None).unwrap(),
            c.schema_read(None).unwrap()["Shot"]
        );

        let project = c
            .create("Project", &obj(json!({"name": "Real Site Test"})), &[])
            .unwrap();
        let project = EntityRef::new("Project", project["id"].as_i64().unwrap());
        let seq = c
            .create(
                "Sequence",
                &obj(json!({"code": "SQ01", "project": project.clone()})),
                &[],
            )
            .unwrap();
        let seq_id = seq["id"].as_i64().unwrap();
        let mut shot_ids = Vec::new();
        for (code, status) in [("sh010", "ip"), ("sh020", "fin"), ("sh030", "ip")] {
            let s = c
                .create("Shot", &obj(json!({"code": code, "project": project.clone(), "sg_sequence": {"type": "Sequence", "id": seq_id}, "sg_status_list": status})), &["sg_sequence"])
                .unwrap();
            assert_eq!(s["sg_sequence"]["name"], "SQ01", "{name}");
            shot_ids.push(s["id"].as_i64().unwrap());
        }
        let found = c
            .find_all(
                &Query::new("Shot")
                    .filter(Filter::and([
                        Filter::cond("sg_sequence.Sequence.code", "is", ["SQ01"]),
                        Filter::cond("sg_status_list", "is", ["ip"]),
                    ]))
                    .fields(["code", "sg_sequence.Sequence.code"]),
            )
            .unwrap();
        assert_eq!(found.len(), 2, "{name}");
        let asset = c
            .create(
                "Asset",
                &obj(json!({"code": "robot", "project": project.clone()})),
                &[],
            )
            .unwrap();
        let asset = EntityRef::new("Asset", asset["id"].as_i64().unwrap());
        let u = c
            .update(
                "Shot",
                shot_ids[0],
                &[FieldUpdate::add("assets", std::slice::from_ref(&asset))],
            )
            .unwrap();
        assert_eq!(u["assets"][0]["name"], "robot", "{name}");
        let u = c
            .update(
                "Shot",
                shot_ids[0],
                &[FieldUpdate::remove("assets", &[asset])],
            )
            .unwrap();
        assert_eq!(u["assets"], json!([]), "{name}");
        assert!(c.delete("Shot", shot_ids[2]).unwrap());
        assert!(c.revive("Shot", shot_ids[2]).unwrap());
        let r = c
            .batch(&[
                BatchRequest::Create {
                    entity_type: "Shot".into(),
                    fields: obj(json!({"code": "sh040"})),
                    return_fields: vec![],
                    idempotency_key: None,
                },
                BatchRequest::Update {
                    entity_type: "Shot".into(),
                    id: shot_ids[1],
                    fields: vec![FieldUpdate::set("description", "done")],
                },
            ])
            .unwrap();
        assert_eq!(r.len(), 2);
        let s = c
            .summarize(
                "Shot",
                None,
                &[Summary::new("id", "record_count")],
                &[Grouping::exact("sg_status_list")],
                true,
            )
            .unwrap();
        assert_eq!(s["summaries"]["id"], 4, "{name}");
    }
}

#[test]
fn every_entity_of_both_real_schemas_creates_and_reads_every_field() {
    let Some(sites) =
        shared_schemas("every_entity_of_both_real_schemas_creates_and_reads_every_field")
    else {
        return;
    };
    for (name, dir) in sites {
        let schema = Schema::load(&dir).unwrap();
        let server = LocalSite::start(schema.clone()).unwrap();
        let c = server.client().unwrap();
        for (entity, es) in &schema.entities {
            let made = c
                .create(entity, &Map::new(), &[])
                .unwrap_or_else(|e| panic!("{name} {entity}: {e}"));
            let fields: Vec<&str> = es.fields.keys().map(String::as_str).collect();
            // By id: the local server logs an EventLogEntry for every create, so that table
            // holds more than the record made here.
            let all = c
                .find_all(
                    &Query::new(entity.as_str())
                        .filter(Filter::cond("id", "is", [made["id"].clone()]))
                        .fields(fields.iter().copied()),
                )
                .unwrap_or_else(|e| panic!("{name} {entity}: {e}"));
            assert_eq!(all.len(), 1, "{name} {entity}");
            assert_eq!(all[0]["id"], made["id"]);
            for f in &fields {
                assert!(all[0].get(*f).is_some(), "{name} {entity}.{f} comes back");
            }
            // Every field takes an `is null` filter or refuses it with a clear message.
            for (f, fs) in &es.fields {
                match c.find_all(&Query::new(entity.as_str()).filter(Filter::cond(
                    f.as_str(),
                    "is",
                    [Value::Null],
                ))) {
                    Ok(_) => {}
                    Err(e) => assert!(
                        e.to_string().contains(&format!("{entity}.{f}")),
                        "{name}: {e} ({})",
                        fs.data_type()
                    ),
                }
            }
        }
    }
}

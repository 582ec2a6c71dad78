//! Bad requests get clear errors that name the entity, field and value; never a panic.

use serde_json::{json, Map, Value};
use sg_runtime::{Error, FieldUpdate, Filter, Query};
use sg_tests::demo_server;
use sg_tests::SiteClient;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn server_message(r: Result<impl std::fmt::Debug, Error>) -> String {
    match r {
        Err(e @ Error::Server { .. }) => e.to_string(),
        other => panic!("expected a server error, got {other:?}"),
    }
}

#[test]
fn unknown_entity_types_and_fields() {
    let server = demo_server();
    let c = server.client().unwrap();
    let m = server_message(c.find_all(&Query::new("Shoot")));
    assert!(
        m.contains("'Shoot' does not exist") && m.contains("read Shoot"),
        "{m}"
    );
    let m = server_message(c.create("Shot", &obj(json!({"cdoe": "x"})), &[]));
    assert!(
        m.contains("Shot.cdoe does not exist") && m.contains("did you mean `code`"),
        "{m}"
    );
    let m = server_message(c.find_all(&Query::new("Shot").fields(["sg_sequense"])));
    assert!(
        m.contains("Shot.sg_sequense") && m.contains("sg_sequence"),
        "{m}"
    );
    let m = server_message(c.find_all(&Query::new("Shot").filter(Filter::cond(
        "sg_sequence.Sequence.cod",
        "is",
        ["x"],
    ))));
    assert!(m.contains("Sequence.cod does not exist"), "{m}");
}

#[test]
fn wrong_value_types() {
    let server = demo_server();
    let c = server.client().unwrap();
    for (field, value, expect) in [
        (
            "sg_cut_in",
            json!("1001"),
            "Shot.sg_cut_in is a number field and takes an integer; got \"1001\"",
        ),
        ("code", json!(12), "Shot.code is a text field"),
        (
            "sg_is_hero",
            json!("yes"),
            "Shot.sg_is_hero is a checkbox field",
        ),
        (
            "sg_first_delivery",
            json!("01/12/2026"),
            "takes a date YYYY-MM-DD",
        ),
        (
            "sg_approved_at",
            json!("yesterday"),
            "takes a UTC date-time",
        ),
        (
            "sg_status_list",
            json!("nope"),
            "'nope' is not a valid value",
        ),
        (
            "assets",
            json!({"type": "Asset", "id": 1}),
            "takes a list of entities",
        ),
        ("tags", json!([1]), "a list of tag names"),
        ("sg_plate", json!("http://x"), "a file/link object"),
    ] {
        let m = server_message(c.create("Shot", &obj(json!({ field: value })), &[]));
        assert!(m.contains(expect), "{field}: {m}");
    }
}

#[test]
fn links_outside_valid_types_or_to_missing_records() {
    let server = demo_server();
    let c = server.client().unwrap();
    let m = server_message(c.create(
        "Shot",
        &obj(json!({"sg_sequence": {"type": "Asset", "id": 1}})),
        &[],
    ));
    assert!(
        m.contains("Shot.sg_sequence cannot link to a Asset; valid types: Sequence"),
        "{m}"
    );
    let m = server_message(c.create(
        "Shot",
        &obj(json!({"sg_sequence": {"type": "Sequence", "id": 999}})),
        &[],
    ));
    assert!(m.contains("linked Sequence #999 does not exist"), "{m}");
    let m = server_message(c.find_all(&Query::new("Shot").filter(Filter::cond(
        "sg_sequence.Asset.code",
        "is",
        ["x"],
    ))));
    assert!(m.contains("cannot link to a Asset"), "{m}");
    let m = server_message(c.find_all(&Query::new("Shot").filter(Filter::cond(
        "code.Sequence.code",
        "is",
        ["x"],
    ))));
    assert!(m.contains("Shot.code is a text field, not a link"), "{m}");
}

#[test]
fn read_only_fields_modes_and_relations() {
    let server = demo_server();
    let c = server.client().unwrap();
    let m = server_message(c.create("Shot", &obj(json!({"cached_display_name": "x"})), &[]));
    assert!(m.contains("Shot.cached_display_name is read-only"), "{m}");
    let m = server_message(c.update(
        "Shot",
        1,
        &[FieldUpdate {
            field: "code".into(),
            value: json!("x"),
            mode: Some(sg_runtime::UpdateMode::Add),
        }],
    ));
    assert!(
        m.contains("Shot.code is a text field; multi_entity_update_mode 'add'"),
        "{m}"
    );
    let m = server_message(c.update("Shot", 999, &[FieldUpdate::set("code", "x")]));
    assert!(m.contains("Shot #999 does not exist"), "{m}");
    let m = server_message(c.find_all(&Query::new("Shot").filter(Filter::cond(
        "sg_cut_in",
        "contains",
        [1],
    ))));
    assert!(
        m.contains("relation 'contains' is not valid for Shot.sg_cut_in (number)")
            && m.contains("between"),
        "{m}"
    );
    let m = server_message(c.find_all(&Query::new("Shot").filter(Filter::cond(
        "sg_metadata",
        "is",
        [json!({"a": 1})],
    ))));
    assert!(m.contains("cannot be filtered"), "{m}");
    let m = server_message(c.find_all(&Query::new("Shot").filter(Filter::cond(
        "sg_cut_in",
        "between",
        [1],
    ))));
    assert!(m.contains("got 1 value(s)"), "{m}");
    assert!(matches!(
        c.update("Shot", 1, &[]),
        Err(Error::InvalidRequest(_))
    ));
}

#[test]
fn bad_credentials_are_error_102() {
    let server = demo_server();
    let c = sg_runtime::Client::builder(server.url())
        .credentials(sg_runtime::Credentials::script(
            sg_localsite::SCRIPT_NAME,
            "wrong-key-123",
        ))
        .build()
        .unwrap();
    let e = c.find_all(&Query::new("Shot")).unwrap_err();
    assert!(matches!(e, Error::Authentication { .. }), "{e:?}");
    assert_eq!(e.error_code(), Some(102));
}

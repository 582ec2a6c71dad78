//! The exact JSON each method sends (key order aside), read back from the local server's log.

use serde_json::{json, Value};
use sg_localsite::{SCRIPT_KEY, SCRIPT_NAME};
use sg_runtime::{
    BatchRequest, Client, Credentials, Direction, EntityRef, FieldUpdate, Filter, Grouping, Query,
    Summary,
};
use sg_tests::SiteClient;
use sg_tests::{demo_server, last_params};

#[test]
fn read_params() {
    let server = demo_server();
    // One request at a time, page after page: the official client's requests exactly (a read
    // ahead asks its first page for the counts: api3_rules.rs).
    let client = server
        .client_builder()
        .max_concurrent_requests(1)
        .build()
        .unwrap();
    client
        .find_all(
            &Query::new("Shot")
                .filter(Filter::and([
                    Filter::cond("sg_status_list", "in", ["ip", "rdy"]),
                    Filter::or([
                        Filter::cond("code", "contains", ["sh"]),
                        Filter::cond("id", "less_than", [10]),
                    ]),
                ]))
                .fields(["code", "sg_sequence.Sequence.code"])
                .sort("code", Direction::Asc)
                .sort("id", Direction::Desc)
                .include_archived_projects(false)
                .page_size(2),
        )
        .unwrap();
    assert_eq!(
        last_params(&server, "read"),
        json!({
            "type": "Shot",
            "return_fields": ["code", "sg_sequence.Sequence.code"],
            "filters": {"logical_operator": "and", "conditions": [
                {"path": "sg_status_list", "relation": "in", "values": ["ip", "rdy"]},
                {"logical_operator": "or", "conditions": [
                    {"path": "code", "relation": "contains", "values": ["sh"]},
                    {"path": "id", "relation": "less_than", "values": [10]}
                ]}
            ]},
            "return_only": "active",
            "paging": {"entities_per_page": 2, "current_page": 1},
            "return_paging_info_without_counts": true,
            "api_return_image_urls": true,
            "sorts": [{"field_name": "code", "direction": "asc"}, {"field_name": "id", "direction": "desc"}],
            "include_archived_projects": false
        })
    );
}

#[test]
fn write_params() {
    let server = demo_server();
    let client = server.client().unwrap();
    let fields = json!({"code": "sh900", "sg_cut_in": 1001})
        .as_object()
        .unwrap()
        .clone();
    client.create("Shot", &fields, &["sg_status_list"]).unwrap();
    assert_eq!(
        last_params(&server, "create"),
        json!({"type": "Shot", "fields": [{"field_name": "code", "value": "sh900"}, {"field_name": "sg_cut_in", "value": 1001}],
               "return_fields": ["sg_status_list"]})
    );
    client
        .update(
            "Shot",
            1,
            &[
                FieldUpdate::set("description", "x"),
                FieldUpdate::add("assets", &[EntityRef::new("Asset", 2)]),
            ],
        )
        .unwrap();
    assert_eq!(
        last_params(&server, "update"),
        json!({"type": "Shot", "id": 1, "fields": [
            {"field_name": "description", "value": "x"},
            {"field_name": "assets", "value": [{"type": "Asset", "id": 2}], "multi_entity_update_mode": "add"}
        ]})
    );
    client.delete("Shot", 2).unwrap();
    assert_eq!(
        last_params(&server, "delete"),
        json!({"type": "Shot", "id": 2})
    );
    client.revive("Shot", 2).unwrap();
    assert_eq!(
        last_params(&server, "revive"),
        json!({"type": "Shot", "id": 2})
    );
    client
        .batch(&[
            BatchRequest::Create {
                entity_type: "Shot".into(),
                fields: fields.clone(),
                return_fields: vec![],
                idempotency_key: None,
            },
            BatchRequest::Update {
                entity_type: "Shot".into(),
                id: 1,
                fields: vec![FieldUpdate::set("description", "y")],
            },
            BatchRequest::Delete {
                entity_type: "Shot".into(),
                id: 3,
            },
        ])
        .unwrap();
    assert_eq!(
        last_params(&server, "batch"),
        json!([
            {"request_type": "create", "type": "Shot", "fields": [{"field_name": "code", "value": "sh900"}, {"field_name": "sg_cut_in", "value": 1001}], "return_fields": ["id"]},
            {"request_type": "update", "type": "Shot", "id": 1, "fields": [{"field_name": "description", "value": "y"}]},
            {"request_type": "delete", "type": "Shot", "id": 3}
        ])
    );
}

#[test]
fn summarize_and_schema_params() {
    let server = demo_server();
    let client = server.client().unwrap();
    client
        .summarize(
            "Shot",
            Some(&Filter::cond("sg_status_list", "is", ["ip"])),
            &[Summary::new("id", "record_count")],
            &[Grouping::exact("sg_sequence")],
            true,
        )
        .unwrap();
    assert_eq!(
        last_params(&server, "summarize"),
        json!({"type": "Shot",
               "filters": {"logical_operator": "and", "conditions": [{"path": "sg_status_list", "relation": "is", "values": ["ip"]}]},
               "summaries": [{"field": "id", "type": "record_count"}],
               "grouping": [{"field": "sg_sequence", "type": "exact", "direction": "asc"}]})
    );
    client.schema_read(None).unwrap();
    assert_eq!(
        last_params(&server, "schema_read"),
        Value::Null,
        "no PARAMS when there are none"
    );
    client
        .schema_entity_read(Some(&EntityRef::new("Project", 1)))
        .unwrap();
    assert_eq!(
        last_params(&server, "schema_entity_read"),
        json!({"project": {"type": "Project", "id": 1}})
    );
    client
        .schema_field_read("Shot", Some("code"), None)
        .unwrap();
    assert_eq!(
        last_params(&server, "schema_field_read"),
        json!({"type": "Shot", "field_name": "code"})
    );
}

#[test]
fn auth_objects() {
    let server = sg_localsite::LocalSite::builder(sg_runtime::schema::Schema::demo())
        .user("ada", "ada-password")
        .user_2fa("sec", "sec-password", "424242")
        .start()
        .unwrap();
    let script = Client::builder(server.url())
        .credentials(Credentials::script(SCRIPT_NAME, SCRIPT_KEY))
        .sudo_as_login("ada")
        .session_uuid("uuid-1")
        .build()
        .unwrap();
    script.find_all(&Query::new("Shot").page_size(10)).unwrap();
    let auth = server.requests().last().unwrap().auth.clone().unwrap();
    assert_eq!(
        auth,
        json!({"script_name": SCRIPT_NAME, "script_key": SCRIPT_KEY, "sudo_as_login": "ada", "session_uuid": "uuid-1"})
    );

    let user = Client::builder(server.url())
        .credentials(Credentials::user("ada", "ada-password"))
        .build()
        .unwrap();
    user.schema_entity_read(None).unwrap();
    assert_eq!(
        server.requests().last().unwrap().auth,
        Some(json!({"user_login": "ada", "user_password": "ada-password"}))
    );

    // A two-factor login is exchanged once for a session token, which later calls use.
    server.clear_requests();
    let twofa = Client::builder(server.url())
        .credentials(Credentials::user_2fa("sec", "sec-password", "424242"))
        .build()
        .unwrap();
    twofa.schema_entity_read(None).unwrap();
    twofa.schema_read(None).unwrap();
    let reqs = server.requests();
    let methods: Vec<&str> = reqs.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(
        methods,
        ["get_session_token", "schema_entity_read", "schema_read"]
    );
    assert_eq!(
        reqs[0].auth,
        Some(json!({"user_login": "sec", "user_password": "sec-password", "auth_token": "424242"}))
    );
    let token = reqs[1].auth.as_ref().unwrap()["session_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        reqs[1].auth,
        Some(json!({"session_token": token, "reject_if_expired": true}))
    );
    assert_eq!(reqs[2].auth, reqs[1].auth);

    // The token works for a client of its own.
    let by_token = Client::builder(server.url())
        .credentials(Credentials::session_token(token))
        .build()
        .unwrap();
    by_token.schema_entity_read(None).unwrap();
}

#[test]
fn info_sends_neither_auth_nor_params() {
    let server = demo_server();
    let client = server.client().unwrap();
    client.info().unwrap();
    let r = &server.requests()[0];
    assert_eq!(
        (r.method.as_str(), &r.auth, &r.params),
        ("info", &None, &None)
    );
}

//! The request rules of the official client (shotgun_api3 `find`, `_call_rpc`, `_make_call`,
//! `_auth_params`, `summarize`, `create`), each checked on the JSON and headers the local server
//! received; and the site behaviours the local server plays so that these rules are exercised.

use serde_json::{json, Value};
use sg_localsite::{LocalSite, RecordedRequest};
use sg_runtime::schema::Schema;
use sg_runtime::typed::prelude::*;
use sg_runtime::{Client, Credentials, FileLink, Filter, Image, Query, RetryPolicy};
use sg_tests::demo::{Project, Shot, ShotField};
use sg_tests::SiteClient;
use sg_tests::{demo_seed, demo_server, numbered_shots, sent};

fn reads(server: &LocalSite) -> Vec<Value> {
    sent(server, "read")
}

/// The requests received, `info` (asked once, for the page size) aside.
fn calls(server: &LocalSite) -> Vec<RecordedRequest> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.method != "info")
        .collect()
}

/// One `read` as (entities_per_page, current_page, paging info asked).
type PageRequest = (u64, u64, bool);

fn paging(p: &Value) -> PageRequest {
    (
        p["paging"]["entities_per_page"].as_u64().unwrap(),
        p["paging"]["current_page"].as_u64().unwrap(),
        p["return_paging_info_without_counts"].as_bool().unwrap(),
    )
}

/// Eight shots on a site whose pages hold 3 records.
fn small_page_server() -> LocalSite {
    LocalSite::builder(Schema::demo())
        .page_size(3)
        .seed(json!({ "Shot": numbered_shots(8) }))
        .start()
        .unwrap()
}

#[test]
fn limit_and_page_ask_what_the_official_client_asks() {
    let server = small_page_server();
    // One request at a time: page after page, as the official client reads.
    let sequential = server
        .client_builder()
        .max_concurrent_requests(1)
        .build()
        .unwrap();
    // Pages after the first fetched ahead, eight at a time.
    let concurrent = server
        .client_builder()
        .max_concurrent_requests(8)
        .build()
        .unwrap();
    let ids = |client: &Client, q: &Query| -> Vec<i64> {
        client
            .find_all(q)
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    };
    let shot = || Query::new("Shot");
    // (query, records, requests as (entities_per_page, current_page, paging info asked))
    let cases: Vec<(Query, Vec<i64>, Vec<PageRequest>)> = vec![
        // No limit: every page, paging info asked.
        (
            shot(),
            (1..=8).collect(),
            vec![(3, 1, true), (3, 2, true), (3, 3, true)],
        ),
        // A limit that fits a page: one request of `limit` records.
        (shot().limit(2), vec![1, 2], vec![(2, 1, false)]),
        // A limit over the page size: full pages, cut at the limit.
        (
            shot().limit(5),
            vec![1, 2, 3, 4, 5],
            vec![(3, 1, true), (3, 2, true)],
        ),
        // limit(5).page(2), page size 3: page 2 of full pages, returned whole.
        (shot().limit(5).page(2), vec![4, 5, 6], vec![(3, 2, false)]),
        // limit(600).page(1): capped at the page size, never refused.
        (
            shot().limit(600).page(1),
            vec![1, 2, 3],
            vec![(3, 1, false)],
        ),
        // A limit that fits, with a page: page 2 of `limit` records.
        (shot().limit(2).page(2), vec![3, 4], vec![(2, 2, false)]),
        // page(0) means "every page", as in the official client.
        (
            shot().page(0),
            (1..=8).collect(),
            vec![(3, 1, true), (3, 2, true), (3, 3, true)],
        ),
        // A page without a limit: that page of the site's size.
        (shot().page(3), vec![7, 8], vec![(3, 3, false)]),
    ];
    for (q, want_ids, want_requests) in cases {
        let label = format!("{q:?}");
        server.clear_requests();
        assert_eq!(ids(&sequential, &q), want_ids, "{label}");
        let got: Vec<_> = reads(&server).iter().map(paging).collect();
        assert_eq!(got, want_requests, "{label}");

        // Read ahead: the same records and the same pages, none past the end; the first page
        // of a read of several asks for the counts, to know where the end is.
        server.clear_requests();
        assert_eq!(ids(&concurrent, &q), want_ids, "read ahead: {label}");
        let mut got: Vec<_> = reads(&server).iter().map(paging).collect();
        got.sort_by_key(|(_, page, _)| *page);
        let want: Vec<_> = want_requests
            .iter()
            .map(|&(per_page, page, without_counts)| (per_page, page, without_counts && page != 1))
            .collect();
        assert_eq!(got, want, "read ahead: {label}");
    }
    // limit(0): the official client reads every record, a reader of `limit(0)` expects none;
    // both layers refuse it, before anything is sent, with the way to read everything.
    server.clear_requests();
    let untyped = sequential
        .find_all(&shot().limit(0))
        .unwrap_err()
        .to_string();
    let typed = Shot::find()
        .limit(0)
        .all(&sequential)
        .unwrap_err()
        .to_string();
    let by_id = sequential
        .find_by_id(&shot().limit(0))
        .unwrap_err()
        .to_string();
    for e in [&untyped, &typed, &by_id] {
        assert!(
            e.starts_with("invalid request: read of Shot: limit(0)"),
            "{e}"
        );
        assert!(
            e.contains("leave the limit out to read every record"),
            "{e}"
        );
    }
    assert!(reads(&server).is_empty());
}

#[test]
fn every_read_asks_for_image_urls_and_at_least_id() {
    let server = demo_server();
    let client = server.client().unwrap();
    client.find_all(&Query::new("Shot")).unwrap();
    client.find_one(&Query::new("Shot")).unwrap();
    Shot::find().first(&client).unwrap();
    Shot::find().all(&client).unwrap();
    let reads = reads(&server);
    assert_eq!(reads.len(), 4);
    for r in &reads {
        assert_eq!(r["api_return_image_urls"], true, "{r}");
    }
    assert_eq!(reads[0]["return_fields"], json!(["id"]), "never []");
    assert_eq!(reads[1]["return_fields"], json!(["id"]));
}

#[test]
fn headers_are_the_official_clients() {
    let server = demo_server();
    let client = Client::builder(server.url())
        .credentials(Credentials::script(
            sg_localsite::SCRIPT_NAME,
            sg_localsite::SCRIPT_KEY,
        ))
        .localized(true)
        .build()
        .unwrap();
    client.find_one(&Query::new("Shot")).unwrap();
    client.add_user_agent("publish_tool 2.1");
    client.clone().find_one(&Query::new("Shot")).unwrap();
    client.reset_user_agent();
    client.find_one(&Query::new("Shot")).unwrap();
    let r = calls(&server);
    let ua = format!(
        "sg-runtime/{} (Rust; {})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS
    );
    assert_eq!(r[0].header("user-agent"), Some(ua.as_str()));
    assert_eq!(
        r[1].header("user-agent"),
        Some(format!("{ua}; publish_tool 2.1").as_str()),
        "clones share the agent, joined with `; ` as the official client"
    );
    assert_eq!(r[2].header("user-agent"), Some(ua.as_str()));
    for req in &r {
        assert_eq!(req.http_method, "POST");
        assert_eq!(req.path, "/api3/json");
        assert_eq!(
            req.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert_eq!(req.header("accept-encoding"), Some("gzip, deflate"));
        assert_eq!(req.header("locale"), Some("auto"));
    }
    let plain = server.client().unwrap();
    server.clear_requests();
    plain.find_one(&Query::new("Shot")).unwrap();
    assert_eq!(calls(&server)[0].header("locale"), None, "off by default");
}

#[test]
fn summarize_sends_include_archived_projects_only_when_false() {
    let server = demo_server();
    let client = server.client().unwrap();
    let count = sg_runtime::Summary::new("id", "record_count");
    let all = client
        .summarize("Shot", None, std::slice::from_ref(&count), &[], true)
        .unwrap();
    let live = client
        .summarize("Shot", None, &[count], &[], false)
        .unwrap();
    let params = sent(&server, "summarize");
    assert!(params[0].get("include_archived_projects").is_none());
    assert_eq!(params[1]["include_archived_projects"], false);
    assert_eq!(all["summaries"]["id"], 4);
    assert_eq!(
        live["summaries"]["id"], 3,
        "the archived project's shot is left out"
    );
    // The typed layer sends the same.
    Shot::summarize()
        .record_count(&Shot::F.id)
        .include_archived_projects(false)
        .send(&client)
        .unwrap();
    let last = server.requests().pop().unwrap().params.unwrap();
    assert_eq!(last["include_archived_projects"], false);
}

#[test]
fn the_two_factor_exchange_carries_sudo_and_session_uuid_and_renews_once() {
    let server = LocalSite::builder(Schema::demo())
        .seed(demo_seed())
        .user_2fa("ada", "pw-ada-123", "246810")
        .start()
        .unwrap();
    let client = Client::builder(server.url())
        .credentials(Credentials::user_2fa("ada", "pw-ada-123", "246810"))
        .sudo_as_login("bob")
        .session_uuid("5a1d49b0-0c69-11e0-a24c-003048d17544")
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    client.find_one(&Query::new("Shot")).unwrap();
    let exchange = calls(&server)[0].clone();
    assert_eq!(exchange.method, "get_session_token");
    let auth = exchange.auth.unwrap();
    assert_eq!(auth["sudo_as_login"], "bob");
    assert_eq!(auth["session_uuid"], "5a1d49b0-0c69-11e0-a24c-003048d17544");
    assert_eq!(auth["auth_token"], "246810");

    // The session expires: the next call (a write, refused before it was applied) logs in again
    // once and is repeated.
    server.expire_sessions();
    server.clear_requests();
    let fields = json!({"code": "sh777"}).as_object().unwrap().clone();
    client.create("Shot", &fields, &[]).unwrap();
    let methods: Vec<String> = calls(&server).into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["create", "get_session_token", "create"]);
    assert_eq!(
        server
            .records("Shot")
            .iter()
            .filter(|r| r["code"] == "sh777")
            .count(),
        1,
        "created exactly once"
    );
}

#[test]
fn an_expired_script_key_is_not_retried() {
    let server = LocalSite::builder(Schema::demo())
        .without_default_script()
        .start()
        .unwrap();
    let client = server.client().unwrap();
    let e = client.find_one(&Query::new("Shot")).unwrap_err();
    assert_eq!(e.error_code(), Some(102));
    assert_eq!(calls(&server).len(), 1, "nothing to renew for a script");
}

#[test]
fn typed_creates_ask_back_only_what_the_caller_names() {
    let server = LocalSite::builder(Schema::demo())
        .seed(json!({"Project": [{"id": 1, "name": "Big Buck", "image": "https://site/thumbs/p1.jpg"}]}))
        .start()
        .unwrap();
    let client = server.client().unwrap();
    let shot = Shot::create()
        .set(Shot::F.code, "sh100")
        .send(&client)
        .unwrap();
    let sent = server.requests().pop().unwrap().params.unwrap();
    assert_eq!(sent["return_fields"], json!(["id"]), "not every field");
    assert_eq!(shot.get(&Shot::F.code).unwrap().as_deref(), Some("sh100"));
    // Not asked for, so not known: an error, never a `None` that reads as "empty on the site".
    let e = shot.get(&Shot::F.sg_status_list).unwrap_err();
    assert!(matches!(e, sg_runtime::Error::NotRead { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "Shot #{}: field `sg_status_list` was not read (ask for it in `fields(...)` or `returning(...)`)",
            shot.id()
        )
    );

    let shot = Shot::create()
        .set(Shot::F.code, "sh101")
        .returning([ShotField::SgStatusList, ShotField::Image])
        .send(&client)
        .unwrap();
    let r = server.requests();
    let create = r.iter().rev().find(|r| r.method == "create").unwrap();
    assert_eq!(
        create.params.as_ref().unwrap()["return_fields"],
        json!(["sg_status_list"]),
        "image is read back, not asked of the create"
    );
    let read = r.last().unwrap();
    assert_eq!(read.method, "read");
    assert_eq!(
        read.params.as_ref().unwrap()["return_fields"],
        json!(["image"])
    );
    assert_eq!(read.params.as_ref().unwrap()["api_return_image_urls"], true);
    assert!(shot.get(&Shot::F.sg_status_list).unwrap().is_some());
    assert_eq!(
        shot.get(&Shot::F.image).unwrap(),
        None,
        "a new shot has no thumbnail"
    );

    // The read-back fails: the create was applied, so it is reported as done, not as an error
    // the caller would answer by creating again.
    server.inject(Some("read"), sg_localsite::Fault::Status(500), 1);
    let shot = Shot::create()
        .set(Shot::F.code, "sh102")
        .returning([ShotField::Image])
        .send(&client)
        .unwrap();
    assert_eq!(shot.get(&Shot::F.code).unwrap().as_deref(), Some("sh102"));
    assert_eq!(
        server
            .records("Shot")
            .iter()
            .filter(|r| r["code"] == "sh102")
            .count(),
        1
    );
}

#[test]
fn image_fields_are_urls_only_when_asked() {
    let server = LocalSite::builder(Schema::demo())
        .seed(json!({"Project": [
            {"id": 1, "name": "Big Buck", "image": "https://site/thumbs/p1.jpg"},
            {"id": 2, "name": "Pending", "image": "https://site/images/status/transient/thumbnail_pending.png"}
        ]}))
        .start()
        .unwrap();
    let client = server.client().unwrap();
    let projects = Project::find().all(&client).unwrap();
    assert_eq!(
        projects[0].image,
        Some(Image::Url("https://site/thumbs/p1.jpg".into()))
    );
    assert!(projects[1].image.as_ref().unwrap().is_pending());
    // Asked without `api_return_image_urls` (a raw call), the site answers attachment ids.
    let raw = client
        .call(
            "read",
            Some(json!({"type": "Project", "return_fields": ["image"],
                        "filters": {"logical_operator": "and", "conditions": []},
                        "paging": {"entities_per_page": 10, "current_page": 1}})),
        )
        .unwrap();
    assert_eq!(raw["entities"][0]["image"], 1);
    assert_eq!(raw["entities"][1]["image"], 2);
}

#[test]
fn text_with_lt_round_trips_as_written() {
    let server = demo_server();
    let client = server.client().unwrap();
    let created = Shot::create()
        .set(Shot::F.code, "sh<010>")
        .set(Shot::F.description, "a < b && c > d")
        .send(&client)
        .unwrap();
    assert_eq!(
        created.get(&Shot::F.code).unwrap().as_deref(),
        Some("sh<010>")
    );
    // Stored as a site stores it.
    let stored = server.records("Shot").pop().unwrap();
    assert_eq!(stored["code"], "sh&lt;010>");
    // Read back, and written back unchanged.
    let read = Shot::find()
        .filter(Shot::F.id.is(created.id()))
        .first(&client)
        .unwrap()
        .unwrap();
    assert_eq!(read.description.as_deref(), Some("a < b && c > d"));
    Shot::update(created.id())
        .set(Shot::F.description, read.description.clone().unwrap())
        .send(&client)
        .unwrap();
    let again = client
        .find_one(
            &Query::new("Shot")
                .filter(Filter::cond("id", "is", [created.id().get()]))
                .fields(["description"]),
        )
        .unwrap()
        .unwrap();
    assert_eq!(again["description"], "a < b && c > d");
}

#[test]
fn local_file_links_come_back_with_this_platforms_path() {
    let server = LocalSite::builder(Schema::demo())
        .seed(
            json!({"LocalStorage": [{"id": 1, "code": "primary", "linux_path": "/mnt/show",
                                       "mac_path": "/Volumes/show", "windows_path": "S:\\show"}]}),
        )
        .start()
        .unwrap();
    let client = server.client().unwrap();
    let plate = FileLink {
        local_path: Some("/mnt/show/sq010/plate.mov".into()),
        name: Some("plate".into()),
        ..FileLink::default()
    };
    let shot = Shot::create()
        .set(Shot::F.code, "sh010")
        .set(Shot::F.sg_plate, plate)
        .send(&client)
        .unwrap();
    let read = Shot::find()
        .filter(Shot::F.id.is(shot.id()))
        .first(&client)
        .unwrap()
        .unwrap();
    let link = read.sg_plate.unwrap();
    assert_eq!(link.link_type.as_deref(), Some("local"));
    assert_eq!(
        link.local_path_linux.as_deref(),
        Some("/mnt/show/sq010/plate.mov")
    );
    assert_eq!(
        link.local_path_mac.as_deref(),
        Some("/Volumes/show/sq010/plate.mov")
    );
    assert_eq!(
        link.local_path_windows.as_deref(),
        Some("S:\\show\\sq010\\plate.mov")
    );
    assert_eq!(link.local_storage.unwrap().name.as_deref(), Some("primary"));
    if let Some(field) = sg_runtime::records::LOCAL_PATH_FIELD {
        let want = match field {
            "local_path_mac" => "/Volumes/show/sq010/plate.mov",
            "local_path_windows" => "S:\\show\\sq010\\plate.mov",
            _ => "/mnt/show/sq010/plate.mov",
        };
        assert_eq!(link.local_path.as_deref(), Some(want));
        assert_eq!(link.url, Some(format!("file://{want}")));
    }
    // A path under no storage is refused, naming the field.
    let e = Shot::create()
        .set(Shot::F.code, "sh011")
        .set(
            Shot::F.sg_plate,
            FileLink {
                local_path: Some("/elsewhere/x.mov".into()),
                ..FileLink::default()
            },
        )
        .send(&client)
        .unwrap_err();
    assert!(
        e.to_string().contains("Shot.sg_plate: no LocalStorage"),
        "{e}"
    );
}

#[test]
fn links_are_named_by_their_entitys_display_field() {
    let server = demo_server();
    let client = server.client().unwrap();
    let task = client
        .find_one(
            &Query::new("Task")
                .filter(Filter::cond("project.Project.name", "contains", ["buck"]))
                .fields(["project", "entity", "task_assignees"]),
        )
        .unwrap()
        .unwrap();
    assert_eq!(task["project"]["name"], "Big Buck");
    assert_eq!(task["entity"]["name"], "sh010");
    assert_eq!(task["task_assignees"][0]["name"], "Ada Artist");
    // A Note has both `content` and `subject`; a site names it by `subject`.
    let note = client
        .create(
            "Note",
            json!({"subject": "Retake the fire", "content": "More smoke at 1040"})
                .as_object()
                .unwrap(),
            &[],
        )
        .unwrap();
    let reply = client
        .create(
            "Reply",
            json!({"entity": {"type": "Note", "id": note["id"]}, "content": "On it"})
                .as_object()
                .unwrap(),
            &["entity"],
        )
        .unwrap();
    assert_eq!(reply["entity"]["name"], "Retake the fire");
}

#[test]
fn serializable_fields_hold_any_json_in_seeds() {
    let meta = json!({"type": "attribute_change", "attribute_name": "sg_status_list", "old_value": "ip", "new_value": "fin", "entity_id": 9});
    let server = LocalSite::builder(Schema::demo())
        .seed(json!({"Shot": [{"id": 1, "code": "sh010", "sg_metadata": meta}]}))
        .start()
        .unwrap();
    let client = server.client().unwrap();
    let shot = Shot::find().first(&client).unwrap().unwrap();
    assert_eq!(shot.sg_metadata, Some(meta));
}

#[test]
fn a_session_token_is_asked_once_hands_the_session_on_and_is_masked() {
    let server = LocalSite::builder(Schema::demo())
        .seed(demo_seed())
        .start()
        .unwrap();
    let client = server
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    // The official client's `get_session_token`: asked of the site once, then kept.
    let token = client.session_token().unwrap();
    assert_eq!(client.session_token().unwrap().expose(), token.expose());
    let asked: Vec<String> = calls(&server).into_iter().map(|r| r.method).collect();
    assert_eq!(asked, ["get_session_token"]);
    assert_eq!(format!("{token:?} {token}"), "*** ***");

    // Another program given the token acts as the same session.
    let other = Client::builder(server.url())
        .credentials(Credentials::session_token(token.expose()))
        .build()
        .unwrap();
    assert!(other.find_one(&Query::new("Shot")).unwrap().is_some());
    assert_eq!(other.session_token().unwrap().expose(), token.expose());
    assert!(calls(&server)
        .iter()
        .all(|r| r.method != "get_session_token"
            || r.auth.as_ref().unwrap()["script_name"].is_string()));

    // The issued token never shows in this client's errors.
    let body = format!("session {}", token.expose());
    let answer = format!(
        "HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    server.inject(None, sg_localsite::Fault::Raw(answer.into_bytes()), 1);
    let err = client
        .find_one(&Query::new("Shot"))
        .unwrap_err()
        .to_string();
    assert!(!err.contains(token.expose()), "{err}");
    assert!(err.contains("session ***"), "{err}");
}

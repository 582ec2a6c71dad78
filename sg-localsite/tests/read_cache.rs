//! A query's matches are kept between its pages, and every way the site's records change makes
//! the next read see the change: the cache is cleared in the write path itself (`Records::
//! tables_mut` and `schema_mut`), not by each handler.

use serde_json::{json, Value};
use sg_localsite::{LocalSite, SCRIPT_KEY, SCRIPT_NAME};
use sg_runtime::schema::Schema;
use sg_runtime::{
    BatchRequest, Client, Credentials, EntityRef, FieldUpdate, Filter, Query, ThumbnailSource,
};

fn client(site: &LocalSite) -> Client {
    Client::builder(site.url())
        .credentials(Credentials::script(SCRIPT_NAME, SCRIPT_KEY))
        .build()
        .unwrap()
}

/// The codes of the Shots a paged query (two per page, so the matches are cached after the
/// first page) returns, in id order.
fn codes(c: &Client, query: &Query) -> Vec<String> {
    c.find_all(&query.clone().page_size(2))
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn every_change_is_seen_by_the_next_read_of_a_cached_query() {
    let site = LocalSite::builder(Schema::demo())
        .seed(json!({"Shot": [
            {"id": 1, "code": "a", "sg_status_list": "ip"},
            {"id": 2, "code": "b", "sg_status_list": "ip"},
            {"id": 3, "code": "c", "sg_status_list": "ip"}
        ]}))
        .start()
        .unwrap();
    let c = client(&site);
    let ip = Query::new("Shot")
        .filter(Filter::cond("sg_status_list", "is", ["ip"]))
        .fields(["code", "image"]);
    let all = Query::new("Shot").fields(["code"]);
    assert_eq!(codes(&c, &ip), ["a", "b", "c"]);

    let fields = |v: Value| v.as_object().unwrap().clone();
    c.create(
        "Shot",
        &fields(json!({"code": "d", "sg_status_list": "ip"})),
        &[],
    )
    .unwrap();
    assert_eq!(codes(&c, &ip), ["a", "b", "c", "d"], "create");

    c.update("Shot", 2, &[FieldUpdate::set("sg_status_list", "fin")])
        .unwrap();
    assert_eq!(codes(&c, &ip), ["a", "c", "d"], "update");

    c.delete("Shot", 3).unwrap();
    assert_eq!(codes(&c, &ip), ["a", "d"], "delete");

    c.revive("Shot", 3).unwrap();
    assert_eq!(codes(&c, &ip), ["a", "c", "d"], "revive");

    c.batch(&[BatchRequest::Delete {
        entity_type: "Shot".into(),
        id: 1,
    }])
    .unwrap();
    assert_eq!(codes(&c, &ip), ["c", "d"], "batch");

    site.seed(&json!({"Shot": [{"id": 9, "code": "e", "sg_status_list": "ip"}]}))
        .unwrap();
    assert_eq!(codes(&c, &ip), ["c", "d", "e"], "seed");

    // An upload sets the record's image as the site itself does, past the API's checks.
    let before = c.find_all(&ip.clone().page_size(2)).unwrap();
    assert!(before.iter().all(|r| r["image"].is_null()));
    let tmp = tempfile::tempdir().unwrap();
    let png = tmp.path().join("thumb.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n").unwrap();
    c.upload_thumbnail("Shot", 4, &png).unwrap();
    let after = c.find_all(&ip.clone().page_size(2)).unwrap();
    assert!(
        after.iter().any(|r| r["id"] == 4 && r["image"].is_string()),
        "upload: {after:?}"
    );

    // Sharing a thumbnail sets the other records' images and creates nothing. (The cache
    // keeps which ids match, so the query must depend on what changed.)
    let with_image = Query::new("Shot")
        .filter(Filter::cond("image", "is_not", [Value::Null]))
        .fields(["code"]);
    assert_eq!(codes(&c, &with_image), ["d"], "the uploaded thumbnail");
    c.share_thumbnail(
        &[EntityRef::new("Shot", 9)],
        ThumbnailSource::Entity(&EntityRef::new("Shot", 4)),
        false,
    )
    .unwrap();
    assert_eq!(codes(&c, &with_image), ["d", "e"], "shared thumbnail");

    // A field deleted from the schema is gone from the records.
    let custom = c
        .schema_field_create("Shot", "text", "Cache Note", &Default::default())
        .unwrap();
    c.update("Shot", 4, &[FieldUpdate::set(custom.clone(), "x")])
        .unwrap();
    let with_note = Query::new("Shot").filter(Filter::cond(custom.clone(), "is", ["x"]));
    assert_eq!(
        c.find_all(&with_note.clone().page_size(2)).unwrap().len(),
        1
    );
    assert_eq!(codes(&c, &all).len(), 4);
    c.schema_field_delete("Shot", &custom).unwrap();
    assert!(
        c.find_all(&with_note.page_size(2)).is_err(),
        "schema edit: the field is gone"
    );
    assert_eq!(codes(&c, &all), ["b", "c", "d", "e"], "after a schema edit");
}

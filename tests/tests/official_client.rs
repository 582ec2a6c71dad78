//! The official Python client (shotgun_api3) against the local server: it must work there (the
//! local server speaks api3), and for the same finds it must send the same `read` requests and get
//! the same records as sg-runtime. Skipped, with a note, where python3 or shotgun_api3 is missing
//! (`.ci/run` installs it: `pip install shotgun-api3`).

use serde_json::{json, Value};
use sg_localsite::{LocalSite, SCRIPT_KEY, SCRIPT_NAME};
use sg_runtime::schema::Schema;
use sg_runtime::Query;
use sg_tests::{numbered_shots, sent};
use sg_tests::{python_with_official_client, SiteClient};
use std::path::PathBuf;
use std::process::Command;

/// `(limit, page)` pairs, as the official client's `find(limit=, page=)` takes them.
const FINDS: [(usize, usize); 8] = [
    (0, 0),
    (2, 0),
    (5, 0),
    (5, 2),
    (600, 1),
    (2, 2),
    (0, 3),
    (1, 0),
];

fn server() -> LocalSite {
    LocalSite::builder(Schema::demo())
        .page_size(3)
        .seed(json!({
            "Shot": numbered_shots(8),
            "Project": [{"id": 1, "name": "Big <Buck>", "image": "https://site/thumbs/p1.jpg"}],
            "LocalStorage": [{"id": 1, "code": "primary", "linux_path": "/mnt/show",
                              "mac_path": "/Volumes/show", "windows_path": "S:\\show"}]
        }))
        .start()
        .unwrap()
}

#[test]
fn the_official_client_works_against_the_local_server_and_asks_as_we_do() {
    let Some(python) = python_with_official_client() else {
        eprintln!("SKIPPED official client test: python3 with shotgun_api3 not found (pip install shotgun-api3)");
        return;
    };
    let server = server();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/official_client.py");
    let finds: Vec<[usize; 2]> = FINDS.iter().map(|(l, p)| [*l, *p]).collect();
    let out = Command::new(python)
        .arg(&script)
        .env("SG_URL", server.url())
        .env("SG_SCRIPT_NAME", SCRIPT_NAME)
        .env("SG_SCRIPT_KEY", SCRIPT_KEY)
        .env("SG_FINDS", serde_json::to_string(&finds).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the official client failed against the local server:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Value = serde_json::from_slice(&out.stdout).unwrap();
    let their_reads = sent(&server, "read");
    let server_after_python = server;

    // The same finds through sg-runtime, on a site seeded the same (the Python run has created
    // records since): one request at a time, the same requests and the same records; reading
    // ahead (the default), the same records.
    let server = self::server();
    let sequential = server
        .client_builder()
        .max_concurrent_requests(1)
        .build()
        .unwrap();
    let concurrent = server.client().unwrap();
    assert!(concurrent.max_concurrent_requests() > 1);
    let ids = |client: &sg_runtime::Client, limit: usize, page: usize| -> Vec<i64> {
        // The official client's `limit=0` is "no limit": here, no `limit` (`limit(0)` is refused).
        let query = Query::new("Shot").page(page);
        let query = if limit == 0 {
            query
        } else {
            query.limit(limit)
        };
        client
            .find_all(&query)
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    };
    for (i, (limit, page)) in FINDS.iter().enumerate() {
        let their_ids: Vec<i64> = theirs["finds"][i]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        assert_eq!(
            ids(&sequential, *limit, *page),
            their_ids,
            "limit {limit} page {page}"
        );
    }
    let our_reads = sent(&server, "read");
    assert_eq!(
        our_reads,
        their_reads[..our_reads.len()],
        "the read requests of the finds, one by one"
    );
    for (i, (limit, page)) in FINDS.iter().enumerate() {
        assert_eq!(
            json!(ids(&concurrent, *limit, *page)),
            theirs["finds"][i],
            "read ahead: limit {limit} page {page}"
        );
    }

    // Text with `<` round-trips through the site's escaping, for both clients.
    assert_eq!(theirs["created"]["code"], "py<1>");
    assert_eq!(theirs["created"]["read_code"], "py<1>");
    assert_eq!(theirs["created"]["read_description"], "a < b");
    // The official client fills a local link's path for its platform from what the server sends.
    let plate = &theirs["plate"];
    assert_eq!(plate["link_type"], "local");
    assert_eq!(plate["local_path_linux"], "/mnt/show/sq010/plate.mov");
    assert_eq!(plate["local_path_windows"], "S:\\show\\sq010\\plate.mov");
    if cfg!(target_os = "linux") {
        assert_eq!(plate["local_path"], "/mnt/show/sq010/plate.mov");
        assert_eq!(plate["url"], "file:///mnt/show/sq010/plate.mov");
    }
    // Presets, deep filters through multi-entity links and number groupings: the local
    // server answers the official client's requests, and ours are the same requests.
    assert_eq!(theirs["latest"], json!(["v2", "v3"]));
    assert_eq!(theirs["through_multi_entity"], json!(["dailies"]));
    let their_summary = sent(&server_after_python, "summarize").pop().unwrap();
    let ours = {
        use sg_runtime::typed::{NumberGrouping, Record};
        use sg_runtime::Direction;
        use sg_tests::demo::Shot;
        let r = Shot::summarize()
            .filter(Shot::F.id.less_than(sg_runtime::typed::Id::new(30)))
            .record_count(&Shot::F.id)
            .sum(&Shot::F.sg_cut_in)
            .group_by_number(&Shot::F.sg_cut_in, NumberGrouping::Tens, Direction::Asc)
            .send(&concurrent)
            .unwrap();
        // 8 seeded shots here; the Python run's site also holds the 2 shots it created.
        assert_eq!(r.totals().record_count(&Shot::F.id).unwrap(), 8);
        assert_eq!(theirs["summary"]["summaries"]["id"], 10);
        assert_eq!(
            r.groups().len(),
            1,
            "numbered shots have no cut in: one group, the empty one"
        );
        sent(&server, "summarize").pop().unwrap()
    };
    assert_eq!(ours, their_summary, "the same summarize request");
    let their_preset_read = sent(&server_after_python, "read")
        .into_iter()
        .find(|p| p.get("additional_filter_presets").is_some())
        .unwrap();
    let _ = sg_tests::demo::Version::find()
        .preset(sg_runtime::typed::Preset::LatestByEntity)
        .all(&concurrent)
        .unwrap();
    let our_preset_read = sent(&server, "read").pop().unwrap();
    assert_eq!(
        our_preset_read["additional_filter_presets"],
        their_preset_read["additional_filter_presets"]
    );

    // Image URLs, and the display name unescaped.
    assert_eq!(theirs["project"]["image"], "https://site/thumbs/p1.jpg");
    assert_eq!(theirs["project"]["name"], "Big <Buck>");
}

#[test]
fn the_official_client_uploads_and_downloads_on_both_routes() {
    let Some(python) = python_with_official_client() else {
        eprintln!("SKIPPED official client upload test: python3 with shotgun_api3 not found (pip install shotgun-api3)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let movie: Vec<u8> = (0..30_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.join("take.mov"), &movie).unwrap();
    std::fs::write(dir.join("notes.txt"), b"notes").unwrap();
    std::fs::write(dir.join("thumb.png"), b"png").unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/official_uploads.py");
    for cloud in [false, true] {
        let server = LocalSite::builder(Schema::demo())
            .seed(json!({"Shot": numbered_shots(2), "Version": [{"code": "v001"}]}))
            .cloud_uploads(cloud)
            .start()
            .unwrap();
        let out = Command::new(&python)
            .arg(&script)
            .env("SG_URL", server.url())
            .env("SG_SCRIPT_NAME", SCRIPT_NAME)
            .env("SG_SCRIPT_KEY", SCRIPT_KEY)
            .env("SG_DIR", dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "cloud: {cloud}: the official client failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(theirs["field"]["name"], "Take 1", "cloud: {cloud}");
        assert_eq!(theirs["field"]["link_type"], "upload");
        assert_eq!(theirs["field"]["content_type"], "video/quicktime");
        assert_eq!(theirs["downloaded"], movie.len(), "cloud: {cloud}");
        assert_eq!(theirs["same"], true);
        assert!(theirs["image"]
            .as_str()
            .unwrap()
            .contains("/file_serve/attachment/"));
        // The routes it took are the ones sg-runtime takes for the same uploads.
        let routes: Vec<String> = server
            .requests()
            .iter()
            .filter(|r| !r.path.starts_with("/api3"))
            .map(|r| r.method.clone())
            .collect();
        let movie_routes: Vec<&str> = if cloud {
            vec![
                "api_get_upload_link_info",
                "api_get_upload_link_for_part",
                "storage",
                "api_get_upload_link_for_part",
                "storage",
                "api_complete_multipart_upload",
                "api_link_file",
            ]
        } else {
            vec!["upload_file"]
        };
        assert_eq!(
            &routes[..movie_routes.len()],
            movie_routes,
            "cloud: {cloud}"
        );
        let ours = LocalSite::builder(Schema::demo())
            .seed(json!({"Shot": numbered_shots(2), "Version": [{"code": "v001"}]}))
            .cloud_uploads(cloud)
            .start()
            .unwrap();
        let client = ours.client().unwrap();
        let options = sg_runtime::UploadOptions {
            field_name: Some("sg_uploaded_movie".into()),
            display_name: Some("Take 1".into()),
            tag_list: None,
        };
        client
            .upload("Version", 1, dir.join("take.mov"), &options)
            .unwrap();
        let our_routes: Vec<String> = ours
            .requests()
            .iter()
            .filter(|r| !r.path.starts_with("/api3"))
            .map(|r| r.method.clone())
            .collect();
        assert_eq!(our_routes, movie_routes, "cloud: {cloud}");
        // The forms, field by field: the same credentials fields, the same fields, and the same
        // values where they do not hold a time or an id the server handed out.
        let forms = |s: &LocalSite| -> Vec<(Value, Value)> {
            s.requests()
                .into_iter()
                .filter(|r| !r.path.starts_with("/api3") && r.http_method == "POST")
                .map(|r| (r.auth.unwrap_or_default(), r.params.unwrap_or_default()))
                .collect()
        };
        let keys = |v: &Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>());
        let (theirs_forms, ours_forms) = (forms(&server), forms(&ours));
        for (i, (ours_form, theirs_form)) in ours_forms.iter().zip(&theirs_forms).enumerate() {
            let what = format!("cloud: {cloud}, form {i}");
            assert_eq!(ours_form.0, theirs_form.0, "{what}: credentials");
            assert_eq!(keys(&ours_form.1), keys(&theirs_form.1), "{what}: fields");
            for (k, v) in ours_form.1.as_object().unwrap() {
                if !matches!(
                    k.as_str(),
                    "timestamp" | "upload_id" | "upload_link_info" | "etags"
                ) {
                    assert_eq!(v, &theirs_form.1[k], "{what}: `{k}`");
                }
            }
        }
        assert!(!ours_forms.is_empty() && theirs_forms.len() >= ours_forms.len());
    }
}

//! Uploads and downloads against the local server: both upload routes of a real site (direct
//! multipart form; cloud storage with a single PUT, or parts above 20 MB), thumbnails, downloads
//! with the session cookie, and every failure said with its step.

use serde_json::{json, Value};
use sg_localsite::{Fault, LocalSite};
use sg_runtime::schema::Schema;
use sg_runtime::{Error, Filter, Query, UploadOptions};
use sg_tests::demo_seed;
use sg_tests::SiteClient;
use std::io::{Read, Write};
use std::path::PathBuf;

fn server(cloud: bool) -> LocalSite {
    let server = LocalSite::builder(Schema::demo())
        .seed(demo_seed())
        .cloud_uploads(cloud)
        .start()
        .unwrap();
    server
        .seed(&json!({"Version": [{"code": "sh010_v001"}]}))
        .unwrap();
    server
}

/// A file of `len` bytes (a pattern, so that a misplaced part shows) in the test's folder,
/// which goes when the test ends.
fn file(dir: &tempfile::TempDir, name: &str, len: usize) -> PathBuf {
    let p = dir.path().join(name);
    let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    std::fs::write(&p, bytes).unwrap();
    p
}

fn routes(server: &LocalSite) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter(|r| r.method != "info" && r.method != "read" && r.method != "get_session_token")
        .map(|r| format!("{} {}", r.http_method, r.method))
        .collect()
}

fn version_id(server: &LocalSite) -> i64 {
    server.records("Version")[0]["id"].as_i64().unwrap()
}

#[test]
fn the_direct_route_uploads_into_a_url_field_and_downloads_back() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server(false);
    let client = server.client().unwrap();
    let v = version_id(&server);
    let movie = file(&tmp, "take.mov", 1);
    let options = UploadOptions {
        field_name: Some("sg_uploaded_movie".into()),
        display_name: Some("Take 1".into()),
        tag_list: None,
    };
    let id = client.upload("Version", v, &movie, &options).unwrap();
    assert_eq!(routes(&server), ["POST upload_file"]);
    let sent = &server.requests()[1];
    assert!(
        sent.header("content-type")
            .unwrap()
            .starts_with("multipart/form-data; boundary="),
        "{sent:?}"
    );
    // The Attachment is linked to the Version, and the field holds it.
    let att = server
        .records("Attachment")
        .into_iter()
        .find(|a| a["id"] == id)
        .unwrap();
    assert_eq!(att["attachment_links"][0]["id"], v);
    assert_eq!(att["filename"], "take.mov");
    let version = client
        .find_one(
            &Query::new("Version")
                .filter(Filter::cond("id", "is", [v]))
                .fields(["sg_uploaded_movie"]),
        )
        .unwrap()
        .unwrap();
    let field = &version["sg_uploaded_movie"];
    assert_eq!(field["name"], "Take 1");
    assert_eq!(field["link_type"], "upload");
    assert_eq!(field["content_type"], "video/quicktime");
    // Downloaded from the field's value, by id, and to a path.
    assert_eq!(client.download_attachment(field).unwrap(), [0u8]);
    assert_eq!(client.download_attachment(json!(id)).unwrap(), [0u8]);
    let url = client
        .get_attachment_download_url(json!({"type": "Attachment", "id": id}))
        .unwrap();
    assert_eq!(
        url.as_deref(),
        Some(format!("{}/file_serve/attachment/{id}", server.url()).as_str())
    );
    let out = movie.with_file_name("copy.mov");
    let n = client
        .download_attachment_to_path(field, &out, &mut |_| {})
        .unwrap();
    assert_eq!((n, std::fs::read(&out).unwrap()), (1, vec![0u8]));
    assert_eq!(
        client.get_attachment_download_url(&Value::Null).unwrap(),
        None
    );
}

#[test]
fn the_cloud_route_sends_parts_above_20_mb_and_checks_their_etags() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server(true);
    let client = server.client().unwrap();
    let v = version_id(&server);
    let big = file(&tmp, "plate.mov", 25_000_000);
    let mut seen = Vec::new();
    let options = UploadOptions {
        field_name: Some("sg_uploaded_movie".into()),
        ..UploadOptions::default()
    };
    let id = client
        .upload_with_progress("Version", v, &big, &options, &mut |done, total| {
            seen.push((done, total))
        })
        .unwrap();
    assert_eq!(
        routes(&server),
        [
            "POST api_get_upload_link_info",
            "POST api_get_upload_link_for_part",
            "PUT storage",
            "POST api_get_upload_link_for_part",
            "PUT storage",
            "POST api_complete_multipart_upload",
            "POST api_link_file",
        ]
    );
    // Progress rises to the whole file, never past it, and says so once.
    assert!(
        seen.windows(2).all(|w| w[0].0 < w[1].0),
        "rising: {:?}",
        &seen[seen.len().saturating_sub(3)..]
    );
    assert_eq!(seen.last(), Some(&(25_000_000, 25_000_000)));
    let back = client.download_attachment(json!(id)).unwrap();
    assert_eq!(
        back,
        std::fs::read(&big).unwrap(),
        "the parts are put back in order"
    );

    // A small file is one PUT; an attachment with no field goes the direct route (as a site
    // lists only some fields for cloud storage).
    server.clear_requests();
    client
        .upload("Version", v, file(&tmp, "small.mov", 1), &options)
        .unwrap();
    assert_eq!(
        routes(&server),
        [
            "POST api_get_upload_link_info",
            "PUT storage",
            "POST api_link_file"
        ]
    );
    server.clear_requests();
    let mut seen = Vec::new();
    client
        .upload_with_progress(
            "Shot",
            1,
            file(&tmp, "notes.txt", 65_536),
            &UploadOptions::default(),
            &mut |done, total| seen.push((done, total)),
        )
        .unwrap();
    assert_eq!(routes(&server), ["POST upload_file"]);
    // The form's closing boundary, sent after the file, is not reported as progress again.
    assert_eq!(
        seen.iter().filter(|p| **p == (65_536, 65_536)).count(),
        1,
        "the end once: {seen:?}"
    );
}

#[test]
fn thumbnails_become_the_image_of_the_record() {
    let tmp = tempfile::tempdir().unwrap();
    for cloud in [false, true] {
        let server = server(cloud);
        let client = server.client().unwrap();
        // A Shot's thumbnail goes the direct route even on a cloud site (its upload types list
        // Version movies, Attachments and `this_file`), as the official client decides.
        let id = client
            .upload_thumbnail("Shot", 1, file(&tmp, "thumb.png", 300))
            .unwrap();
        assert_eq!(
            routes(&server).last().map(String::as_str),
            Some("POST publish_thumbnail")
        );
        let shot = client
            .find_one(
                &Query::new("Shot")
                    .filter(Filter::cond("id", "is", [1]))
                    .fields(["image"]),
            )
            .unwrap()
            .unwrap();
        let url = shot["image"].as_str().unwrap();
        assert!(
            url.ends_with(&format!("/file_serve/attachment/{id}")),
            "{url}"
        );
        // Read as a site answers: without image URLs, the thumbnail's attachment id.
        let raw = client
            .call("read", Some(json!({"type": "Shot", "filters": {"logical_operator": "and", "conditions": [{"path": "id", "relation": "is", "values": [1]}]}, "return_fields": ["image"]})))
            .unwrap();
        assert_eq!(raw["entities"][0]["image"], id, "cloud: {cloud}");
        let id2 = client
            .upload_filmstrip_thumbnail(
                "Version",
                version_id(&server),
                file(&tmp, "strip.png", 480),
            )
            .unwrap();
        assert!(id2 > id);
        // An Attachment's thumbnail takes the cloud route where the site has one.
        let id3 = client
            .upload_thumbnail("Attachment", id, file(&tmp, "att.png", 10))
            .unwrap();
        let route = if cloud {
            "POST api_link_file"
        } else {
            "POST publish_thumbnail"
        };
        assert_eq!(routes(&server).last().map(String::as_str), Some(route));
        let att = server
            .records("Attachment")
            .into_iter()
            .find(|a| a["id"] == id)
            .unwrap();
        assert!(
            att["image"].as_str().unwrap().ends_with(&format!("/{id3}")),
            "{att:?}"
        );
    }
}

#[test]
fn failures_say_their_step_and_nothing_is_sent_twice_blind() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server(true);
    let client = server.client().unwrap();
    let v = version_id(&server);
    let movie = UploadOptions {
        field_name: Some("sg_uploaded_movie".into()),
        ..UploadOptions::default()
    };
    // Refused before anything is sent.
    server.clear_requests();
    let e = client
        .upload("Version", v, file(&tmp, "empty.mov", 0), &movie)
        .unwrap_err();
    assert!(e.to_string().contains("the file is empty"), "{e}");
    let e = client
        .upload("Version", v, "/nonexistent/take.mov", &movie)
        .unwrap_err();
    assert!(e.to_string().contains("/nonexistent/take.mov"), "{e}");
    assert!(routes(&server).is_empty());

    // A part the storage answers 503 is sent again; three times, and the step is named.
    server.inject(Some("storage"), Fault::Status(503), 1);
    client
        .upload("Version", v, file(&tmp, "retry.mov", 10), &movie)
        .unwrap();
    server.inject(Some("storage"), Fault::Status(503), 3);
    let e = client
        .upload("Version", v, file(&tmp, "fail.mov", 10), &movie)
        .unwrap_err();
    assert!(
        matches!(&e, Error::Upload { step, .. } if step == "upload to storage"),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .contains("fail.mov: upload to storage failed: upload to storage: HTTP 503"),
        "{e}"
    );

    // Completing the parts is repeatable: an answer lost after it is sent again, and lands once.
    server.clear_requests();
    server.inject(
        Some("api_complete_multipart_upload"),
        Fault::DropAfterHandling,
        1,
    );
    let id = client
        .upload("Version", v, file(&tmp, "parts.mov", 21_000_000), &movie)
        .unwrap();
    let sent = routes(&server);
    assert_eq!(
        sent.iter()
            .filter(|r| r.ends_with("api_complete_multipart_upload"))
            .count(),
        2
    );
    assert_eq!(
        client.download_attachment(json!(id)).unwrap().len(),
        21_000_000
    );

    // Linking makes the Attachment: a gateway's 504 after it did is "may have been applied".
    let before = server.records("Attachment").len();
    server.clear_requests();
    server.inject(Some("api_link_file"), Fault::StatusAfterHandling(504), 1);
    let e = client
        .upload("Version", v, file(&tmp, "late.mov", 10), &movie)
        .unwrap_err();
    assert!(e.may_have_been_applied(), "{e:?}");
    assert!(e.to_string().contains("api_link_file failed"), "{e}");
    assert_eq!(
        routes(&server)
            .iter()
            .filter(|r| r.ends_with("api_link_file"))
            .count(),
        1
    );
    assert_eq!(
        server.records("Attachment").len(),
        before + 1,
        "applied once"
    );

    // The direct route's form is the write itself.
    let direct = LocalSite::builder(Schema::demo())
        .seed(demo_seed())
        .start()
        .unwrap();
    let c = direct.client().unwrap();
    direct.inject(Some("upload_file"), Fault::DropAfterHandling, 1);
    let e = c
        .upload(
            "Shot",
            1,
            file(&tmp, "cut.mov", 10),
            &UploadOptions::default(),
        )
        .unwrap_err();
    assert!(e.may_have_been_applied(), "{e:?}");
    // A field that is not a file field, and a record that does not exist, are refused.
    let e = c
        .upload(
            "Shot",
            1,
            file(&tmp, "x.mov", 1),
            &UploadOptions {
                field_name: Some("code".into()),
                ..UploadOptions::default()
            },
        )
        .unwrap_err();
    assert!(
        e.to_string().contains("Shot.code is not a url field"),
        "{e}"
    );
    let e = c
        .upload(
            "Shot",
            999,
            file(&tmp, "x.mov", 1),
            &UploadOptions::default(),
        )
        .unwrap_err();
    assert!(e.to_string().contains("Shot #999 does not exist"), "{e}");
}

#[test]
fn downloads_need_the_session_cookie_and_leave_no_partial_file() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server(false);
    let client = server.client().unwrap();
    let id = client
        .upload("Shot", 1, file(&tmp, "a.txt", 5), &UploadOptions::default())
        .unwrap();
    // Without the cookie a site refuses.
    let bare = sg_runtime::Client::builder(server.url())
        .credentials(sg_runtime::Credentials::session_token("not-a-session"))
        .build()
        .unwrap();
    let e = bare.download_attachment(json!(id)).unwrap_err();
    assert!(matches!(e, Error::Http { status: 403, .. }), "{e:?}");
    // A failed download to a path leaves nothing behind.
    let out = tmp.path().join("downloaded.txt");
    server.inject(Some("file_serve"), Fault::Status(500), 1);
    assert!(client
        .download_attachment_to_path(json!(id), &out, &mut |_| {})
        .is_err());
    assert!(!out.exists());
    let mut part = out.clone().into_os_string();
    part.push(".part");
    assert!(!PathBuf::from(part).exists());
    assert_eq!(client.download_attachment(json!(id)).unwrap().len(), 5);
}

#[test]
fn a_thumbnail_is_shared_from_a_file_or_an_entity() {
    let tmp = tempfile::tempdir().unwrap();
    use sg_runtime::{EntityRef, ThumbnailSource};
    let server = server(false);
    let client = server.client().unwrap();
    let shots = [EntityRef::new("Shot", 1), EntityRef::new("Shot", 2)];
    let png = file(&tmp, "shared.png", 64);
    let id = client
        .share_thumbnail(&shots, ThumbnailSource::File(&png), false)
        .unwrap()
        .unwrap();
    let images: Vec<Value> = server
        .records("Shot")
        .iter()
        .take(2)
        .map(|s| s["image"].clone())
        .collect();
    assert_eq!(images[0], images[1]);
    assert!(images[0].as_str().unwrap().ends_with(&format!("/{id}")));
    assert_eq!(
        routes(&server).last().map(String::as_str),
        Some("POST share_thumbnail")
    );
    // From an entity that has one, to another type.
    let seq = [EntityRef::new("Sequence", 1)];
    let again = client
        .share_thumbnail(&seq, ThumbnailSource::Entity(&shots[0]), false)
        .unwrap();
    assert_eq!(again, Some(id));
    // A source without one, and an empty list, are errors that say so.
    let e = client
        .share_thumbnail(
            &seq,
            ThumbnailSource::Entity(&EntityRef::new("Shot", 3)),
            false,
        )
        .unwrap_err();
    assert!(
        e.to_string().contains("Shot #3 has no image to share"),
        "{e}"
    );
    assert!(client
        .share_thumbnail(&[], ThumbnailSource::File(&png), false)
        .is_err());
}

#[test]
fn the_server_makes_its_files_folder_at_the_first_upload_and_removes_it_when_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let server = server(false);
    let dir = server.files_dir();
    assert!(!dir.exists(), "nothing uploaded yet, so no folder");
    // A PUT to an upload the server never handed out is refused, and makes no folder either.
    let mut put = std::net::TcpStream::connect(server.addr()).unwrap();
    put.write_all(b"PUT /storage/999/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx")
        .unwrap();
    let mut answer = String::new();
    put.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(!dir.exists(), "no folder for a refused part");
    server
        .client()
        .unwrap()
        .upload("Shot", 1, file(&tmp, "a.txt", 5), &UploadOptions::default())
        .unwrap();
    assert!(
        dir.read_dir().unwrap().count() > 0,
        "the upload is kept there"
    );
    drop(server);
    assert!(!dir.exists(), "removed with the server");
}

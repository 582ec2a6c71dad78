//! The local site's own edges (anyone's client reaches it on 127.0.0.1): credentials checked
//! before a body is built into a tree, a bound on a request's values, uploads refused in
//! read-only mode and storage links that need their signature, a head trickled a byte at a
//! time cut at its deadline, and ids no site gives refused instead of overflowing.

use serde_json::json;
use sg_localsite::{LocalSite, SCRIPT_KEY, SCRIPT_NAME};
use sg_runtime::schema::Schema;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn post(site: &LocalSite, path: &str, content_type: &str, body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(site.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    (
        status,
        text.split("\r\n\r\n").nth(1).unwrap_or("").to_string(),
    )
}

/// The peak resident memory of this process, in MiB (Linux).
fn peak_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

#[test]
fn a_60_mib_body_with_bad_credentials_is_refused_without_being_built_into_a_tree() {
    let site = LocalSite::builder(Schema::demo()).start().unwrap();
    // 60 MiB of small values: as a tree, about 2 GB.
    let mut body = br#"{"method_name": "read", "params": [{"script_name": "x", "script_key": "wrong"}, {"type": "Shot", "filters": ["#
        .to_vec();
    body.extend(b"0,".repeat(30 << 20));
    body.extend_from_slice(b"0]}]}");
    let before = peak_mib();
    let (status, text) = post(&site, "/api3/json", "application/json", &body);
    let after = peak_mib();
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("\"error_code\":102"),
        "{}",
        &text[..text.len().min(300)]
    );
    if let (Some(b), Some(a)) = (before, after) {
        println!("peak RSS {b} -> {a} MiB for a 60 MiB body");
        // The body itself (the test's copy and the site's), and no tree.
        assert!(a.saturating_sub(b) < 200, "peak RSS {b} -> {a} MiB");
    }
    // The same values from a caller the site knows are refused by their count.
    let auth = format!(r#"{{"script_name": "{SCRIPT_NAME}", "script_key": "{SCRIPT_KEY}"}}"#);
    let head =
        format!(r#"{{"method_name": "read", "params": [{auth}, {{"type": "Shot", "filters": ["#);
    body.splice(
        ..body.iter().position(|b| *b == b'0').unwrap(),
        head.bytes(),
    );
    let (status, text) = post(&site, "/api3/json", "application/json", &body);
    assert_eq!(status, 200);
    assert!(
        text.contains("more than 1000000 values"),
        "{}",
        &text[..text.len().min(300)]
    );
}

#[test]
fn read_only_mode_hands_out_no_upload_and_storage_needs_its_signature() {
    let site = LocalSite::builder(Schema::demo())
        .refuse_writes(true)
        .cloud_uploads(true)
        .start()
        .unwrap();
    let form = format!(
        "script_name={SCRIPT_NAME}&script_key={SCRIPT_KEY}&upload_type=Attachment&filename=a.bin"
    );
    let (_, text) = post(
        &site,
        "/upload/api_get_upload_link_info",
        "application/x-www-form-urlencoded",
        form.as_bytes(),
    );
    assert!(
        text.starts_with("0\n") && text.contains("read-only"),
        "{text}"
    );
    let mut s = TcpStream::connect(site.addr()).unwrap();
    write!(s, "PUT /storage/1/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\nabcd").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 404"), "{out}");

    // A writable site hands out links that carry their signature; without it a PUT is 404.
    let site = LocalSite::builder(Schema::demo())
        .cloud_uploads(true)
        .start()
        .unwrap();
    let (_, text) = post(
        &site,
        "/upload/api_get_upload_link_info",
        "application/x-www-form-urlencoded",
        form.as_bytes(),
    );
    let url = text.lines().nth(1).unwrap().to_string();
    assert!(url.contains("?signature="), "{text}");
    let path = &url[url.find("/storage/").unwrap()..];
    let unsigned = path.split('?').next().unwrap();
    for (what, p, want) in [
        ("unsigned", unsigned.to_string(), "404"),
        ("forged", format!("{unsigned}?signature=00"), "404"),
        (
            "part 10,001",
            unsigned.replace("/0", "/10001") + &path[path.find('?').unwrap()..],
            "404",
        ),
        ("signed", path.to_string(), "200"),
    ] {
        let mut s = TcpStream::connect(site.addr()).unwrap();
        write!(
            s,
            "PUT {p} HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\nabcd"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        assert!(
            out.starts_with(&format!("HTTP/1.1 {want}")),
            "{what}: {out}"
        );
    }
}

#[test]
fn a_head_trickled_a_byte_a_second_is_cut_at_its_deadline() {
    let site = LocalSite::builder(Schema::demo()).start().unwrap();
    let mut s = TcpStream::connect(site.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let started = Instant::now();
    let head = b"POST /api3/json HTTP/1.1\r\nHost: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    let mut cut = None;
    for b in head.iter().cycle() {
        if s.write_all(&[*b]).is_err() || matches!(s.read(&mut [0u8; 64]), Ok(0)) {
            cut = Some(started.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
        if started.elapsed() > Duration::from_secs(20) {
            break;
        }
    }
    let cut = cut.expect("the site held a trickled head for 20 s");
    assert!(cut < Duration::from_secs(13), "cut after {cut:?}");
}

#[test]
fn ids_no_site_gives_are_refused_and_nothing_panics() {
    for id in [i64::MAX, i64::MAX - 1, 1 << 53] {
        let e = LocalSite::builder(Schema::demo())
            .seed(json!({"Shot": [{"id": id, "code": "top"}]}))
            .start()
            .err()
            .unwrap_or_else(|| panic!("{id} seeded"));
        assert!(
            e.to_string().contains("id must be an integer from 1 to"),
            "{e}"
        );
    }
    let top = (1i64 << 53) - 1;
    let site = LocalSite::builder(Schema::demo())
        .seed(json!({"Shot": [{"id": top, "code": "top"}]}))
        .start()
        .unwrap();
    let auth = json!({"script_name": SCRIPT_NAME, "script_key": SCRIPT_KEY});
    let create = json!({"method_name": "create", "params": [auth, {"type": "Shot", "fields": [{"field_name": "code", "value": "next"}]}]});
    let (status, text) = post(
        &site,
        "/api3/json",
        "application/json",
        create.to_string().as_bytes(),
    );
    assert_eq!(status, 200);
    assert!(text.contains("no id left"), "{text}");
    // The site answers on.
    let read = json!({"method_name": "read", "params": [auth, {"type": "Shot", "filters": {"logical_operator": "and", "conditions": []}, "return_fields": ["code"], "paging": {"entities_per_page": 5, "current_page": 1}}]});
    let (status, text) = post(
        &site,
        "/api3/json",
        "application/json",
        read.to_string().as_bytes(),
    );
    assert_eq!(status, 200);
    assert!(text.contains("\"top\""), "{text}");
}

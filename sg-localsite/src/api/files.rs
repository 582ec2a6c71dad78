//! The upload and download routes of a site, mirroring the client's `api/files.rs`: the direct
//! route (`/upload/upload_file`, `/upload/publish_thumbnail`, multipart/form-data), the
//! cloud-storage route (`/upload/api_get_upload_link_info`, PUTs to `/storage/...` answering
//! ETags, `/upload/api_get_upload_link_for_part`, `/upload/api_complete_multipart_upload`,
//! `/upload/api_link_file`), and downloads from `/file_serve/attachment/ID` with the
//! `_session_id` cookie. Files land in the server's temporary folder; each upload makes a real
//! Attachment record linked to its entity, and sets the `url` field or the thumbnail.

use super::super::Shared;
use crate::http::{Request, Response};
use crate::records::Exception;
use serde_json::{json, Map, Value};
use sg_api3::methods::write::{CreateParams, FieldValue};
use sg_api3::routes::{UploadRoute, DOWNLOAD_PREFIX};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The upload state of the server.
#[derive(Default)]
pub(crate) struct Files {
    /// Where uploaded files are kept: made at the first upload (a server that never stores a
    /// file leaves nothing behind, even in a process that exits without dropping it), removed
    /// when the server stops.
    pub(crate) dir: PathBuf,
    /// Whether `info` advertises the cloud-storage route.
    pub(crate) cloud: bool,
    next_upload: u64,
    /// Cloud uploads under way, by id.
    uploads: BTreeMap<u64, CloudUpload>,
}

impl Files {
    pub(crate) fn new(dir: PathBuf, cloud: bool) -> Files {
        Files {
            dir,
            cloud,
            ..Files::default()
        }
    }
}

/// `dir`, the folder uploads go to, made if this is the first upload.
fn made(dir: &Path) -> Result<&Path, Exception> {
    std::fs::create_dir_all(dir).map_err(io_error)?;
    Ok(dir)
}

/// A cloud upload under way.
struct CloudUpload {
    /// `Attachment` or `Thumbnail`.
    upload_type: String,
    /// The file's name, as the link request gave it.
    filename: String,
    /// The ETags of the parts received, by part number (0 for a single PUT).
    parts: BTreeMap<u64, String>,
    /// The signature its storage links carry (a cloud store's pre-signed URL).
    signature: String,
}

/// The most parts of a multipart upload (a cloud store's limit).
const MAX_PARTS: u64 = 10_000;

/// The `s3_enabled_upload_types` a site with cloud uploads advertises.
pub(crate) fn cloud_upload_types() -> Value {
    json!({"Version": ["sg_uploaded_movie"], "Attachment": "*", "*": ["this_file"]})
}

/// The fault name of a route, as `LocalSite::inject` takes it: an upload route's name
/// (`upload_file`, `api_link_file`, ...), `storage` (a PUT of the cloud route) or `file_serve`
/// (a download).
pub(crate) fn route_name(path: &str) -> Option<&'static str> {
    if let Some(route) = UploadRoute::of_path(path) {
        return Some(route.name);
    }
    let path = path.split('?').next().unwrap_or("");
    if path.starts_with("/storage/") {
        Some("storage")
    } else if path.starts_with(DOWNLOAD_PREFIX) {
        Some("file_serve")
    } else {
        None
    }
}

impl Shared {
    /// Serves one request of the file routes.
    pub(crate) fn serve_file_route(&self, req: &Request, route: &str) -> Response {
        match self.file_route(req, route) {
            Ok(a) => a,
            // A site answers a refused form with text that does not start with `1`.
            Err(e) => Response::text(
                if e.code == 404 { 404 } else { 200 },
                format!("0\n{}", e.message),
            ),
        }
    }

    fn file_route(&self, req: &Request, route: &str) -> Result<Response, Exception> {
        match (req.method.as_str(), route) {
            ("PUT", "storage") => return self.storage_put(req),
            ("GET", "file_serve") => return self.file_serve(req),
            ("POST", r) if r != "storage" && r != "file_serve" => {}
            _ => return Ok(Response::text(405, "method not allowed")),
        }
        let form = parse_form(req)?;
        let field = |k: &str| form.fields.get(k).map(String::as_str);
        let (auth, _) = form.split();
        self.authenticate(route, &Value::Object(auth))?;
        // Every upload route writes (a file lands on the site's storage): none in read-only mode.
        if self.refuse_writes && route != "file_serve" {
            return Err(Exception::new(
                104,
                format!("{route}: this server is read-only"),
            ));
        }
        let base = self.base_url();
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        match route {
            "api_get_upload_link_info" => {
                let upload_type = field("upload_type").unwrap_or("Attachment").to_string();
                files.next_upload += 1;
                let id = files.next_upload;
                // As a cloud store's pre-signed link: a PUT must carry its signature.
                let signature = super::site::session_token()?;
                files.uploads.insert(
                    id,
                    CloudUpload {
                        upload_type: upload_type.clone(),
                        filename: field("filename").unwrap_or("upload").to_string(),
                        parts: BTreeMap::new(),
                        signature: signature.clone(),
                    },
                );
                let ts = chrono::Utc::now().format("%Y%m%d%H%M%S");
                Ok(Response::text(
                    200,
                    format!("1\n{base}/storage/{id}/0?signature={signature}\n{ts}\n{upload_type}\n{id}\n"),
                ))
            }
            "api_get_upload_link_for_part" => {
                let id = upload_id(field("upload_id"))?;
                let part: u64 = field("part_number")
                    .and_then(|p| p.parse().ok())
                    .filter(|p| (1..=MAX_PARTS).contains(p))
                    .ok_or_else(|| {
                        Exception::new(103, format!("part_number must be 1 to {MAX_PARTS}"))
                    })?;
                let Some(upload) = files.uploads.get(&id) else {
                    return Err(Exception::new(103, format!("no upload {id}")));
                };
                Ok(Response::text(
                    200,
                    format!(
                        "1\n{base}/storage/{id}/{part}?signature={}\n",
                        upload.signature
                    ),
                ))
            }
            "api_complete_multipart_upload" => {
                let id = upload_id(field("upload_id"))?;
                let given: Vec<&str> = field("etags").unwrap_or("").split(',').collect();
                let Some(CloudUpload { parts, .. }) = files.uploads.get(&id) else {
                    return Err(Exception::new(103, format!("no upload {id}")));
                };
                let expected: Vec<&str> = parts.values().map(String::as_str).collect();
                if given != expected || (1..=parts.len() as u64).any(|n| !parts.contains_key(&n)) {
                    return Err(Exception::new(
                        103,
                        format!(
                            "the ETags {given:?} are not those of the parts received {expected:?}"
                        ),
                    ));
                }
                let dir = files.dir.clone();
                // Completing again (a retry after a lost answer) succeeds, as on cloud storage.
                if dir.join(format!("upload-{id}")).exists() {
                    return Ok(Response::text(200, "1"));
                }
                let mut whole =
                    std::fs::File::create(dir.join(format!("upload-{id}"))).map_err(io_error)?;
                for n in parts.keys() {
                    let mut part = std::fs::File::open(dir.join(format!("upload-{id}-{n}")))
                        .map_err(io_error)?;
                    std::io::copy(&mut part, &mut whole).map_err(io_error)?;
                    let _ = std::fs::remove_file(dir.join(format!("upload-{id}-{n}")));
                }
                Ok(Response::text(200, "1"))
            }
            "api_link_file" => {
                let info = field("upload_link_info").unwrap_or("");
                let lines: Vec<&str> = info.split('\n').collect();
                let id = upload_id(lines.get(4).copied())?;
                let Some(CloudUpload {
                    upload_type,
                    filename,
                    parts,
                    ..
                }) = files.uploads.remove(&id)
                else {
                    return Err(Exception::new(103, format!("no upload {id}")));
                };
                let dir = files.dir.clone();
                let stored = dir.join(format!("upload-{id}"));
                let single = dir.join(format!("upload-{id}-0"));
                if parts.len() == 1 && parts.contains_key(&0) {
                    std::fs::rename(&single, &stored).map_err(io_error)?;
                }
                if !stored.exists() {
                    return Err(Exception::new(103, format!("upload {id} has no bytes")));
                }
                drop(files);
                let thumbnail = upload_type == "Thumbnail";
                self.attach(&form, stored, &filename, thumbnail)
            }
            "upload_file" | "publish_thumbnail" => {
                let part_name = if route == "upload_file" {
                    "file"
                } else {
                    "thumb_image"
                };
                let Some(file) = form.file.as_ref().filter(|f| f.name == part_name) else {
                    return Err(Exception::new(
                        103,
                        format!("no `{part_name}` file in the form"),
                    ));
                };
                files.next_upload += 1;
                let stored = made(&files.dir)?.join(format!("upload-{}", files.next_upload));
                drop(files);
                std::fs::write(&stored, &file.bytes).map_err(io_error)?;
                let filename = file.filename.clone();
                self.attach(&form, stored, &filename, route == "publish_thumbnail")
            }
            "share_thumbnail" => {
                drop(files);
                self.share_thumbnail(&form)
            }
            _ => Ok(Response::text(404, "not found")),
        }
    }

    /// Points the thumbnail (or filmstrip) of `entities` at the one of `source_entity`.
    fn share_thumbnail(&self, form: &Form) -> Result<Response, Exception> {
        let field = |k: &str| form.fields.get(k).map(String::as_str).unwrap_or("");
        let parse = |s: &str| -> Option<(String, i64)> {
            let (t, id) = s.rsplit_once('_')?;
            Some((t.to_string(), id.parse().ok()?))
        };
        let image = if matches!(field("filmstrip_thumbnail"), "1" | "True") {
            "filmstrip_image"
        } else {
            "image"
        };
        let Some((st, sid)) = parse(field("source_entity")) else {
            return Err(Exception::new(103, "source_entity must be Type_id"));
        };
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let store = &mut state.records;
        if !store.is_live(&st, sid) {
            return Err(Exception::new(103, format!("{st} #{sid} does not exist")));
        }
        let Some(url) = store
            .row(&st, sid)
            .and_then(|r| r.fields.get(image))
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            return Err(Exception::new(
                103,
                format!("{st} #{sid} has no {image} to share"),
            ));
        };
        let attachment = store.attachment_id_of(&url).unwrap_or(0);
        let mut targets = Vec::new();
        for e in field("entities").split(',').filter(|e| !e.is_empty()) {
            let Some((t, id)) = parse(e) else {
                return Err(Exception::new(103, format!("`{e}` is not Type_id")));
            };
            if !store.is_live(&t, id) || store.schema().field(&t, image).is_none() {
                return Err(Exception::new(
                    103,
                    format!("{t} #{id} cannot take a {image}"),
                ));
            }
            targets.push((t, id));
        }
        for (t, id) in targets {
            store.set_image(&t, id, image, url.clone(), attachment);
        }
        Ok(Response::text(200, format!("1:{attachment}\n")))
    }

    /// Makes the Attachment of an upload stored at `stored`, links it to the form's entity and
    /// sets the entity's field or thumbnail; answers `1:ID`.
    fn attach(
        &self,
        form: &Form,
        stored: PathBuf,
        filename: &str,
        thumbnail: bool,
    ) -> Result<Response, Exception> {
        let field = |k: &str| form.fields.get(k).map(String::as_str);
        let entity_type = field("entity_type").unwrap_or("").to_string();
        let entity_id: i64 = field("entity_id").and_then(|i| i.parse().ok()).unwrap_or(0);
        let display = field("display_name").unwrap_or(filename).to_string();
        let size = std::fs::metadata(&stored).map(|m| m.len()).unwrap_or(0);
        let content_type = sg_api3::wire::content_type_of(filename);
        let base = self.base_url();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let store = &mut state.records;
        if !store.is_live(&entity_type, entity_id) {
            let _ = std::fs::remove_file(&stored);
            return Err(Exception::new(
                103,
                format!("{entity_type} #{entity_id} does not exist"),
            ));
        }
        let target_field = if thumbnail {
            let f = if field("filmstrip").is_some_and(|v| v == "True") {
                "filmstrip_image"
            } else {
                "image"
            };
            Some(f.to_string())
        } else {
            field("field_name").map(str::to_owned)
        };
        if let Some(f) = &target_field {
            let data_type = store
                .schema()
                .field(&entity_type, f)
                .map(|fs| fs.data_type().to_string());
            let wanted = if thumbnail { "image" } else { "url" };
            if data_type.as_deref() != Some(wanted) {
                let _ = std::fs::remove_file(&stored);
                return Err(Exception::new(
                    103,
                    format!("{entity_type}.{f} is not a {wanted} field of this site"),
                ));
            }
        }
        // A file is linked to its entity; a thumbnail is only the entity's image.
        let links = if thumbnail {
            Vec::new()
        } else {
            vec![FieldValue {
                field_name: "attachment_links".into(),
                value: json!([{"type": entity_type, "id": entity_id}]),
                multi_entity_update_mode: None,
            }]
        };
        let created = store.create(&CreateParams {
            entity_type: "Attachment".into(),
            fields: links,
            return_fields: Vec::new(),
        })?;
        let id = created["id"].as_i64().unwrap_or(0);
        let files_dir = self
            .files
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .dir
            .clone();
        std::fs::rename(&stored, files_dir.join(format!("attachment-{id}"))).map_err(io_error)?;
        let url = format!("{base}/file_serve/attachment/{id}");
        let link = json!({
            "type": "Attachment", "id": id, "name": display, "url": url,
            "content_type": content_type, "link_type": "upload",
        });
        store.set_raw("Attachment", id, "this_file", link.clone());
        store.set_raw("Attachment", id, "filename", filename.into());
        store.set_raw("Attachment", id, "file_size", size.into());
        if let Some(f) = target_field {
            if thumbnail {
                store.set_image(&entity_type, entity_id, &f, url, id);
            } else {
                store.set_raw(&entity_type, entity_id, &f, link);
            }
        }
        Ok(Response::text(200, format!("1:{id}\n")))
    }

    /// A PUT of a whole file or a part to the storage links handed out.
    fn storage_put(&self, req: &Request) -> Result<Response, Exception> {
        let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
        let mut it = path.trim_start_matches("/storage/").split('/');
        let id = upload_id(it.next())?;
        let part: u64 = it
            .next()
            .and_then(|p| p.parse().ok())
            .filter(|p| *p <= MAX_PARTS)
            .ok_or_else(|| Exception::new(404, "no such part"))?;
        let signed = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("signature="));
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        let dir = files.dir.clone();
        let Some(CloudUpload {
            parts, signature, ..
        }) = files.uploads.get_mut(&id)
        else {
            return Err(Exception::new(404, format!("no upload {id}")));
        };
        // Compared whole; a wrong one says no more than a missing upload does.
        if signed != Some(signature.as_str()) {
            return Err(Exception::new(404, format!("no upload {id}")));
        }
        std::fs::write(made(&dir)?.join(format!("upload-{id}-{part}")), &req.body)
            .map_err(io_error)?;
        let etag = format!("\"{:016x}\"", fnv(&req.body));
        parts.insert(part, etag.clone());
        Ok(Response {
            status: 200,
            content_type: "text/plain".into(),
            headers: vec![("ETag".into(), etag)],
            body: Vec::new(),
        })
    }

    /// A download: the session cookie must name a live session, as on a site.
    fn file_serve(&self, req: &Request) -> Result<Response, Exception> {
        let session = req
            .header("cookie")
            .unwrap_or("")
            .split(';')
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == "_session_id")
            .map(|(_, v)| v.to_string());
        let known = session.is_some_and(|s| {
            self.sessions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(&s)
        });
        if !known {
            return Ok(Response::text(
                403,
                "a session cookie is required to download",
            ));
        }
        let path = req.path.split('?').next().unwrap_or("");
        let id: i64 = path
            .trim_start_matches("/file_serve/attachment/")
            .parse()
            .map_err(|_| Exception::new(404, "no such attachment"))?;
        let content_type = {
            let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let store = &state.records;
            if !store.is_live("Attachment", id) {
                return Ok(Response::text(404, "no such attachment"));
            }
            store
                .row("Attachment", id)
                .and_then(|r| {
                    r.fields
                        .get("this_file")?
                        .get("content_type")?
                        .as_str()
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| "application/octet-stream".into())
        };
        let dir = self
            .files
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .dir
            .clone();
        let bytes = std::fs::read(dir.join(format!("attachment-{id}")))
            .map_err(|_| Exception::new(404, "no such attachment"))?;
        Ok(Response {
            status: 200,
            content_type,
            headers: vec![(
                "Content-Disposition".into(),
                format!("attachment; filename=\"attachment-{id}\""),
            )],
            body: bytes,
        })
    }
}

fn upload_id(v: Option<&str>) -> Result<u64, Exception> {
    v.and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| Exception::new(103, "no valid upload_id"))
}

fn io_error(e: std::io::Error) -> Exception {
    Exception::new(100, format!("the server could not store the file: {e}"))
}

/// FNV-1a, for ETags.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A form's text fields and its file, if any.
struct Form {
    fields: BTreeMap<String, String>,
    file: Option<FormFile>,
}

struct FormFile {
    name: String,
    filename: String,
    bytes: Vec<u8>,
}

/// The form fields that carry credentials, as the official client's `_auth_params` adds them.
const AUTH_FIELDS: [&str; 8] = [
    "script_name",
    "script_key",
    "user_login",
    "user_password",
    "auth_token",
    "session_token",
    "sudo_as_login",
    "session_uuid",
];

impl Form {
    /// The credentials, and the other fields with the file part as `name: filename`.
    fn split(&self) -> (Map<String, Value>, Map<String, Value>) {
        let (mut auth, mut rest) = (Map::new(), Map::new());
        for (k, v) in &self.fields {
            let side = if AUTH_FIELDS.contains(&k.as_str()) {
                &mut auth
            } else {
                &mut rest
            };
            side.insert(k.clone(), Value::String(v.clone()));
        }
        if let Some(f) = &self.file {
            rest.insert(f.name.clone(), Value::String(f.filename.clone()));
        }
        (auth, rest)
    }
}

/// A form's credentials and other fields, for the request log (`None` when it is no form).
pub(crate) fn recorded_form(req: &Request) -> Option<(Value, Value)> {
    if req.method != "POST" {
        return None;
    }
    let (auth, rest) = parse_form(req).ok()?.split();
    Some((Value::Object(auth), Value::Object(rest)))
}

/// Parses a url-encoded or multipart/form-data body.
fn parse_form(req: &Request) -> Result<Form, Exception> {
    let content_type = req.header("content-type").unwrap_or("");
    if let Some(boundary) = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
    {
        return parse_multipart(&req.body, boundary.trim_matches('"'));
    }
    let fields = url::form_urlencoded::parse(&req.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    Ok(Form { fields, file: None })
}

fn parse_multipart(body: &[u8], boundary: &str) -> Result<Form, Exception> {
    let bad = |why: &str| Exception::new(103, format!("malformed multipart form: {why}"));
    let delimiter = format!("--{boundary}").into_bytes();
    let mut form = Form {
        fields: BTreeMap::new(),
        file: None,
    };
    let mut rest = body;
    let start = find(rest, &delimiter).ok_or_else(|| bad("no boundary"))?;
    rest = &rest[start + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Ok(form);
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or_else(|| bad("no line break after a boundary"))?;
        let head_end = find(rest, b"\r\n\r\n").ok_or_else(|| bad("a part without headers"))?;
        let head = String::from_utf8_lossy(&rest[..head_end]).into_owned();
        rest = &rest[head_end + 4..];
        let mut next = delimiter.clone();
        next.splice(0..0, b"\r\n".iter().copied());
        let end = find(rest, &next).ok_or_else(|| bad("a part without an end"))?;
        let content = &rest[..end];
        rest = &rest[end + next.len()..];
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .unwrap_or("");
        let param = |key: &str| {
            disposition.split(';').find_map(|p| {
                p.trim()
                    .strip_prefix(&format!("{key}="))
                    .map(|v| v.trim_matches('"').to_string())
            })
        };
        let name = param("name").ok_or_else(|| bad("a part without a name"))?;
        match param("filename") {
            Some(filename) => {
                form.file = Some(FormFile {
                    name,
                    filename,
                    bytes: content.to_vec(),
                })
            }
            None => {
                form.fields
                    .insert(name, String::from_utf8_lossy(content).into_owned());
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

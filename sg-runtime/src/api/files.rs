//! Files: `upload` (to an entity, optionally into a `url` field), `upload_thumbnail`,
//! `upload_filmstrip_thumbnail`, `download_attachment`, `get_attachment_download_url`.
//!
//! Both upload routes of a real site, chosen as the official client's `upload` chooses (its
//! `_requires_direct_s3_upload`, from `info`'s `s3_direct_uploads_enabled` and
//! `s3_enabled_upload_types`):
//! * the cloud-storage route (`_upload_to_storage`): a link from `/upload/api_get_upload_link_info`,
//!   a PUT of the bytes to it (above 20 MB, parts: a link per part from
//!   `/upload/api_get_upload_link_for_part`, each PUT answering an ETag, then
//!   `/upload/api_complete_multipart_upload`), then `/upload/api_link_file`, which makes the
//!   Attachment;
//! * the direct route (`_upload_to_sg`): one multipart/form-data POST to `/upload/upload_file`
//!   (or `/upload/publish_thumbnail` for thumbnails).
//!
//! Files are streamed from disk (memory does not grow with the file). Getting links and PUTting
//! parts are tried again after a 500/502/503/504 or a cut connection; the step that makes the
//! Attachment (`api_link_file`, `upload_file`, `publish_thumbnail`) only where it never left,
//! else it is "may have been applied". An error says which step failed.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::transport::Payload;
use crate::value::{EntityRef, FileLink};
use serde_json::Value;
use sg_api3::routes::UploadRoute;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Files above this size go to cloud storage in parts of this size (the official client's
/// `_MULTIPART_UPLOAD_CHUNK_SIZE`).
pub const MULTIPART_CHUNK_BYTES: u64 = 20_000_000;

/// Where an upload goes besides the Attachment it makes, and what it is called.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UploadOptions {
    /// A `url` (file/link) field of the entity to hold the file, such as `sg_uploaded_movie`.
    pub field_name: Option<String>,
    /// The Attachment's display name (default: the file's name).
    pub display_name: Option<String>,
    /// Tags for the Attachment, comma-separated.
    pub tag_list: Option<String>,
}

/// Where a shared thumbnail comes from.
#[derive(Clone, Copy, Debug)]
pub enum ThumbnailSource<'a> {
    /// An image file, uploaded to the first entity.
    File(&'a Path),
    /// The thumbnail an entity already has.
    Entity(&'a EntityRef),
}

/// Something a download can fetch: an Attachment record or link, a `url` field's value (a
/// typed [`FileLink`] or its JSON), or an Attachment's id; typed `Id`s and `Link`s of the
/// bindings' Attachment too. The official client's `download_attachment` takes the same forms.
pub trait Downloadable {
    /// The value as the official client would take it: `{type, id}`, `{url, ...}` or an id.
    fn attachment_value(&self) -> Value;
}

impl Downloadable for Value {
    fn attachment_value(&self) -> Value {
        self.clone()
    }
}

impl Downloadable for FileLink {
    fn attachment_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl Downloadable for EntityRef {
    fn attachment_value(&self) -> Value {
        let mut m = serde_json::Map::new();
        m.insert("type".into(), self.entity_type.clone().into());
        m.insert("id".into(), self.id.into());
        Value::Object(m)
    }
}

impl<D: Downloadable + ?Sized> Downloadable for &D {
    fn attachment_value(&self) -> Value {
        (**self).attachment_value()
    }
}

/// What an upload is: a file, or one of the thumbnail kinds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Thumbnail,
    Filmstrip,
}

impl Client {
    /// Uploads the file at `path` to record `entity_id` of `entity_type`: makes an Attachment
    /// linked to it (and, with `field_name`, stores the file in that `url` field). Returns the
    /// Attachment's id. The official client's `upload`.
    pub fn upload(
        &self,
        entity_type: &str,
        entity_id: i64,
        path: impl AsRef<Path>,
        options: &UploadOptions,
    ) -> Result<i64> {
        self.upload_with_progress(entity_type, entity_id, path, options, &mut |_, _| {})
    }

    /// [`upload`](Client::upload), calling `progress(bytes_sent, total)` as the file goes out.
    pub fn upload_with_progress(
        &self,
        entity_type: &str,
        entity_id: i64,
        path: impl AsRef<Path>,
        options: &UploadOptions,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<i64> {
        let kind = match options.field_name.as_deref() {
            // The official client treats these field names as thumbnails.
            Some("thumb_image" | "image") => Kind::Thumbnail,
            Some("filmstrip_thumb_image" | "filmstrip_image") => Kind::Filmstrip,
            _ => Kind::File,
        };
        self.upload_kind(
            entity_type,
            entity_id,
            path.as_ref(),
            options,
            kind,
            progress,
        )
    }

    /// Uploads the image at `path` as the thumbnail (`image`) of the record. Returns the
    /// Attachment's id. The official client's `upload_thumbnail`.
    pub fn upload_thumbnail(
        &self,
        entity_type: &str,
        entity_id: i64,
        path: impl AsRef<Path>,
    ) -> Result<i64> {
        let options = UploadOptions {
            field_name: Some("thumb_image".into()),
            ..UploadOptions::default()
        };
        self.upload(entity_type, entity_id, path, &options)
    }

    /// Uploads a filmstrip (frames 240 pixels wide, side by side) as the record's
    /// `filmstrip_image`. The official client's `upload_filmstrip_thumbnail`.
    pub fn upload_filmstrip_thumbnail(
        &self,
        entity_type: &str,
        entity_id: i64,
        path: impl AsRef<Path>,
    ) -> Result<i64> {
        let options = UploadOptions {
            field_name: Some("filmstrip_thumb_image".into()),
            ..UploadOptions::default()
        };
        self.upload(entity_type, entity_id, path, &options)
    }

    /// Gives `entities` one thumbnail: uploaded from `source` ([`ThumbnailSource::File`], set on
    /// the first entity and shared with the rest) or the one `source` already has
    /// ([`ThumbnailSource::Entity`]); the filmstrip instead with `filmstrip`. Returns the
    /// thumbnail's Attachment id. The official client's `share_thumbnail`.
    pub fn share_thumbnail(
        &self,
        entities: &[EntityRef],
        source: ThumbnailSource<'_>,
        filmstrip: bool,
    ) -> Result<Option<i64>> {
        let Some(first) = entities.first() else {
            return Err(Error::InvalidRequest(
                "share_thumbnail: give at least one entity".into(),
            ));
        };
        let (source, rest, uploaded) = match source {
            ThumbnailSource::File(path) => {
                let id = if filmstrip {
                    self.upload_filmstrip_thumbnail(&first.entity_type, first.id, path)?
                } else {
                    self.upload_thumbnail(&first.entity_type, first.id, path)?
                };
                (first, &entities[1..], Some(id))
            }
            ThumbnailSource::Entity(e) => (e, entities, None),
        };
        if rest.is_empty() {
            return Ok(uploaded);
        }
        let route = UploadRoute::SHARE_THUMBNAIL;
        let list: Vec<String> = rest
            .iter()
            .map(|e| format!("{}_{}", e.entity_type, e.id))
            .collect();
        let text = self.form(
            route,
            &[
                ("entities", list.join(",")),
                (
                    "source_entity",
                    format!("{}_{}", source.entity_type, source.id),
                ),
                // As the official client sends it: `False`, or `1`.
                (
                    "filmstrip_thumbnail",
                    if filmstrip { "1" } else { "False" }.to_string(),
                ),
            ],
        );
        let text = match text {
            Ok(t) => t,
            Err(Error::Server { message, .. }) if message.contains("refused the upload: 2") => {
                return Err(Error::InvalidRequest(format!(
                    "share_thumbnail: the source thumbnail is still being processed; try again later ({message})"
                )))
            }
            Err(e) => return Err(e),
        };
        // Clearing a thumbnail answers no id.
        Ok(text
            .trim()
            .split(':')
            .nth(1)
            .and_then(|id| id.split('\n').next())
            .and_then(|id| id.trim().parse().ok()))
    }

    /// The URL to download `attachment` from: its `url` (an Attachment record, or the value of
    /// a `url` field), or for an Attachment given by type and id, the site's
    /// `/file_serve/attachment/ID`. `None` for a null. The official client's
    /// `get_attachment_download_url`.
    pub fn get_attachment_download_url(
        &self,
        attachment: impl Downloadable,
    ) -> Result<Option<String>> {
        match &attachment.attachment_value() {
            Value::Null => Ok(None),
            Value::Number(n) => match n.as_i64() {
                Some(id) => Ok(Some(self.attachment_url(id))),
                None => Err(Error::InvalidRequest(format!("not an attachment id: {n}"))),
            },
            Value::Object(m) => {
                if let Some(url) = m.get("url").and_then(Value::as_str) {
                    return Ok(Some(url.to_string()));
                }
                match (
                    m.get("type").and_then(Value::as_str),
                    m.get("id").and_then(Value::as_i64),
                ) {
                    (Some("Attachment"), Some(id)) => Ok(Some(self.attachment_url(id))),
                    _ => Err(Error::InvalidRequest(
                        "an attachment needs a `url`, or `type: Attachment` and an `id`".into(),
                    )),
                }
            }
            other => Err(Error::InvalidRequest(format!(
                "not an attachment: {other} (give its record, a `url` field value or its id)"
            ))),
        }
    }

    fn attachment_url(&self, id: i64) -> String {
        self.transport()
            .site_url(&sg_api3::routes::download_path(id))
    }

    /// The bytes of `attachment` (see [`get_attachment_download_url`](Client::get_attachment_download_url)).
    /// The official client's `download_attachment` without a `file_path`.
    pub fn download_attachment(&self, attachment: impl Downloadable) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.download_attachment_to(attachment, &mut out, &mut |_| {})?;
        Ok(out)
    }

    /// Streams `attachment` into the file at `path` (created or replaced: written beside it
    /// first, then renamed, so a failed download leaves no partial file). Returns the bytes
    /// written. The official client's `download_attachment` with a `file_path`.
    pub fn download_attachment_to_path(
        &self,
        attachment: impl Downloadable,
        path: impl AsRef<Path>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64> {
        let path = path.as_ref();
        let part = partial_path(path);
        let io = |e: std::io::Error, p: &Path| {
            Error::InvalidRequest(format!("download to {}: {e}", p.display()))
        };
        let mut file = std::fs::File::create(&part).map_err(|e| io(e, &part))?;
        let written = self.download_attachment_to(attachment, &mut file, progress);
        let finished = written.and_then(|n| {
            file.sync_all().map_err(|e| io(e, &part))?;
            std::fs::rename(&part, path).map_err(|e| io(e, path))?;
            Ok(n)
        });
        if finished.is_err() {
            let _ = std::fs::remove_file(&part);
        }
        finished
    }

    /// Streams `attachment` into `sink`, calling `progress(bytes_written)`. A URL on the site
    /// gets the session cookie a site requires (the official client's
    /// `get_auth_cookie_handler`); others (cloud storage) are fetched as they are.
    pub fn download_attachment_to(
        &self,
        attachment: impl Downloadable,
        sink: &mut dyn std::io::Write,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64> {
        let Some(url) = self.get_attachment_download_url(attachment)? else {
            return Err(Error::InvalidRequest(
                "download_attachment: the attachment is null".into(),
            ));
        };
        let on_site = same_site(&url, &self.transport().site_url("/"));
        let cookie = if on_site {
            Some(format!("_session_id={}", self.session_token()?.expose()))
        } else {
            None
        };
        let user_agent = self.user_agent();
        let mut headers = vec![("user-agent", user_agent.as_str())];
        if let Some(c) = &cookie {
            headers.push(("cookie", c.as_str()));
        }
        // Not tried again: bytes may already be in `sink`.
        self.exchange("download_attachment", false, || {
            self.transport().download(&url, &headers, sink, progress)
        })
        .map_err(|e| match e {
            Error::MayHaveBeenApplied { cause, .. } => *cause,
            other => other,
        })
    }

    fn upload_kind(
        &self,
        entity_type: &str,
        entity_id: i64,
        path: &Path,
        options: &UploadOptions,
        kind: Kind,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<i64> {
        let file = LocalFile::open(path)?;
        let info = self.info()?;
        let field = options.field_name.as_deref();
        let result = if requires_cloud_upload(&info, entity_type, field) {
            self.upload_to_storage(entity_type, entity_id, &file, options, kind, progress)
        } else {
            self.upload_direct(entity_type, entity_id, &file, options, kind, progress)
        };
        result.map_err(|(step, cause)| Error::Upload {
            path: file.path.clone(),
            step: step.into(),
            cause: Box::new(cause),
        })
    }

    /// The direct route: one multipart/form-data POST (the official client's `_upload_to_sg`).
    fn upload_direct(
        &self,
        entity_type: &str,
        entity_id: i64,
        file: &LocalFile,
        options: &UploadOptions,
        kind: Kind,
        progress: &mut dyn FnMut(u64, u64),
    ) -> std::result::Result<i64, (&'static str, Error)> {
        let (route, file_field) = match kind {
            Kind::File => (UploadRoute::UPLOAD_FILE, "file"),
            _ => (UploadRoute::PUBLISH_THUMBNAIL, "thumb_image"),
        };
        let step = route.name;
        let mut fields = vec![
            ("entity_type".to_string(), entity_type.to_string()),
            ("entity_id".to_string(), entity_id.to_string()),
        ];
        fields.extend(self.auth_form().map_err(|e| (step, e))?);
        fields.extend(link_fields(file, options, kind));
        let url = self.transport().site_url(&route.path());
        let reply = self
            .exchange(step, route.repeatable, || {
                let mut form = MultipartForm::new(&fields, file_field, file)?;
                let len = form.len;
                let content_type = form.content_type.clone();
                let mut counted = Counted::new(&mut form, file.size, progress);
                self.transport().request(
                    "POST",
                    &url,
                    &[],
                    Payload::Stream {
                        reader: &mut counted,
                        len,
                        content_type: &content_type,
                    },
                )
            })
            .map_err(|e| (step, e))?;
        attachment_id(self, step, &reply.text).map_err(|e| (step, e))
    }

    /// The cloud-storage route (the official client's `_upload_to_storage`).
    fn upload_to_storage(
        &self,
        entity_type: &str,
        entity_id: i64,
        file: &LocalFile,
        options: &UploadOptions,
        kind: Kind,
        progress: &mut dyn FnMut(u64, u64),
    ) -> std::result::Result<i64, (&'static str, Error)> {
        let multipart = file.size > MULTIPART_CHUNK_BYTES;
        let upload_type = if kind == Kind::File {
            "Attachment"
        } else {
            "Thumbnail"
        };
        let step = UploadRoute::UPLOAD_LINK_INFO.name;
        let info_text = self
            .form(
                UploadRoute::UPLOAD_LINK_INFO,
                &[
                    ("upload_type", upload_type.to_string()),
                    ("filename", file.name.clone()),
                    (
                        "multipart_upload",
                        if multipart { "True" } else { "False" }.to_string(),
                    ),
                ],
            )
            .map_err(|e| (step, e))?;
        let lines: Vec<&str> = info_text.split('\n').collect();
        let [_, upload_url, timestamp, kind_line, upload_id, ..] = lines[..] else {
            return Err((step, malformed(self, step, &info_text)));
        };
        if multipart {
            let mut etags = Vec::new();
            let parts = file.size.div_ceil(MULTIPART_CHUNK_BYTES);
            for part in 1..=parts {
                let step = UploadRoute::UPLOAD_LINK_FOR_PART.name;
                let text = self
                    .form(
                        UploadRoute::UPLOAD_LINK_FOR_PART,
                        &[
                            ("upload_type", kind_line.to_string()),
                            ("filename", file.name.clone()),
                            ("timestamp", timestamp.to_string()),
                            ("upload_id", upload_id.to_string()),
                            ("part_number", part.to_string()),
                        ],
                    )
                    .map_err(|e| (step, e))?;
                let Some(part_url) = text.split('\n').nth(1).filter(|u| !u.is_empty()) else {
                    return Err((step, malformed(self, step, &text)));
                };
                let offset = (part - 1) * MULTIPART_CHUNK_BYTES;
                let len = MULTIPART_CHUNK_BYTES.min(file.size - offset);
                let etag = self
                    .put_part(file, offset, len, part_url, progress)
                    .map_err(|e| ("upload part to storage", e))?;
                etags.push(etag);
            }
            let step = UploadRoute::COMPLETE_MULTIPART_UPLOAD.name;
            self.form(
                UploadRoute::COMPLETE_MULTIPART_UPLOAD,
                &[
                    ("upload_type", kind_line.to_string()),
                    ("filename", file.name.clone()),
                    ("timestamp", timestamp.to_string()),
                    ("upload_id", upload_id.to_string()),
                    ("etags", etags.join(",")),
                ],
            )
            .map_err(|e| (step, e))?;
        } else {
            self.put_part(file, 0, file.size, upload_url, progress)
                .map_err(|e| ("upload to storage", e))?;
        }
        let step = UploadRoute::LINK_FILE.name;
        let mut fields = vec![
            ("entity_type", entity_type.to_string()),
            ("entity_id", entity_id.to_string()),
            ("upload_link_info", info_text.clone()),
        ];
        let extra = link_fields(file, options, kind);
        let extra: Vec<(&str, String)> =
            extra.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        fields.extend(extra);
        // Linking makes the Attachment: never sent again blind (the route is not repeatable).
        let text = self
            .form(UploadRoute::LINK_FILE, &fields)
            .map_err(|e| (step, e))?;
        attachment_id(self, step, &text).map_err(|e| (step, e))
    }

    /// PUTs `len` bytes of `file` from `offset` to `url`, tried again on 500/503 and cut
    /// connections (the official client's `_upload_data_to_storage`); returns the ETag.
    fn put_part(
        &self,
        file: &LocalFile,
        offset: u64,
        len: u64,
        url: &str,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<String> {
        let reply = self.exchange("upload to storage", true, || {
            let mut f = file.reopen()?;
            f.seek(SeekFrom::Start(offset)).map_err(|e| {
                crate::transport::Failure::Fatal(format!("{}: {e}", file.path.display()))
            })?;
            let mut part = f.take(len);
            let mut counted = Counted::offset(&mut part, offset, file.size, progress);
            self.transport().request(
                "PUT",
                url,
                &[],
                Payload::Stream {
                    reader: &mut counted,
                    len,
                    content_type: &file.content_type,
                },
            )
        })?;
        Ok(reply.etag.unwrap_or_default())
    }

    /// A form POST to an upload route with the AUTH fields (the official client's `_send_form`,
    /// url-encoded as it is when no file goes with it); returns the answer's text, which must
    /// start with `1`.
    fn form(&self, route: UploadRoute, fields: &[(&str, String)]) -> Result<String> {
        let step = route.name;
        let mut all: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect();
        all.extend(self.auth_form()?);
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&all)
            .finish();
        let url = self.transport().site_url(&route.path());
        let reply = self.exchange(step, route.repeatable, || {
            let mut reader = body.as_bytes();
            self.transport().request(
                "POST",
                &url,
                &[],
                Payload::Stream {
                    reader: &mut reader,
                    len: body.len() as u64,
                    content_type: "application/x-www-form-urlencoded",
                },
            )
        })?;
        if reply.text.starts_with('1') {
            Ok(reply.text)
        } else {
            Err(refused(self, step, &reply.text))
        }
    }
}

/// The fields that name and place the Attachment (the official client's `upload`): a file's
/// field, display name and tags; a filmstrip's flag.
fn link_fields(file: &LocalFile, options: &UploadOptions, kind: Kind) -> Vec<(String, String)> {
    let mut out = Vec::new();
    match kind {
        Kind::Filmstrip => out.push(("filmstrip".into(), "True".into())),
        Kind::Thumbnail => {}
        Kind::File => {
            if let Some(f) = &options.field_name {
                out.push(("field_name".into(), f.clone()));
            }
            let display = options
                .display_name
                .clone()
                .unwrap_or_else(|| file.name.clone());
            out.push(("display_name".into(), display));
            if let Some(t) = options.tag_list.as_ref().filter(|t| !t.is_empty()) {
                out.push(("tag_list".into(), t.clone()));
            }
        }
    }
    out
}

/// The id in an upload's `1:ID` answer.
fn attachment_id(client: &Client, step: &str, text: &str) -> Result<i64> {
    let text = text.trim();
    if !text.starts_with('1') {
        return Err(refused(client, step, text));
    }
    text.split(':')
        .nth(1)
        .and_then(|rest| rest.split('\n').next())
        .and_then(|id| id.trim().parse().ok())
        .ok_or_else(|| malformed(client, step, text))
}

fn refused(client: &Client, step: &str, text: &str) -> Error {
    let text = &client.redact(text);
    // A site's refusal: `0`, then its reason.
    let reason = text.trim().strip_prefix('0').unwrap_or(text).trim();
    let (shown, _) = crate::redact::excerpt(reason, 300);
    Error::Server {
        method: step.into(),
        entity_type: None,
        code: 0,
        message: format!("the site refused the upload: {shown}"),
    }
}

fn malformed(client: &Client, step: &str, text: &str) -> Error {
    let text = &client.redact(text);
    let (shown, _) = crate::redact::excerpt(text.trim(), 300);
    Error::Malformed {
        method: step.into(),
        entity_type: None,
        detail: format!("unexpected answer {shown:?}"),
    }
}

/// Whether the site takes this upload on its cloud-storage route (the official client's
/// `_requires_direct_s3_upload`).
fn requires_cloud_upload(info: &Value, entity_type: &str, field: Option<&str>) -> bool {
    if info
        .get("s3_direct_uploads_enabled")
        .and_then(Value::as_bool)
        != Some(true)
    {
        return false;
    }
    let types = info.get("s3_enabled_upload_types");
    let allows = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s == "*",
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .any(|f| f == "*" || Some(f) == field),
        _ => false,
    };
    allows(types.and_then(|t| t.get(entity_type)))
        || allows(types.and_then(|t| t.get("*")))
        || (entity_type == "Version" && field == Some("sg_uploaded_movie"))
}

/// Whether `url` is on the site whose root is `site`.
fn same_site(url: &str, site: &str) -> bool {
    match (url::Url::parse(url), url::Url::parse(site)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

/// `path` with `.part` appended to its file name.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    path.with_file_name(name)
}

/// A file to upload, checked before anything is sent.
struct LocalFile {
    path: PathBuf,
    name: String,
    size: u64,
    content_type: String,
}

impl LocalFile {
    fn open(path: &Path) -> Result<LocalFile> {
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::InvalidRequest(format!("upload of {}: {e}", path.display())))?;
        if !meta.is_file() {
            return Err(Error::InvalidRequest(format!(
                "upload of {}: not a file",
                path.display()
            )));
        }
        if meta.len() == 0 {
            // As the official client: a site refuses an empty file.
            return Err(Error::InvalidRequest(format!(
                "upload of {}: the file is empty",
                path.display()
            )));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(LocalFile {
            content_type: sg_api3::wire::content_type_of(&name).into(),
            path: path.to_path_buf(),
            name,
            size: meta.len(),
        })
    }

    /// The file, opened again for one try; it must still have the size it had.
    fn reopen(&self) -> std::result::Result<std::fs::File, crate::transport::Failure> {
        let fatal =
            |e: String| crate::transport::Failure::Fatal(format!("{}: {e}", self.path.display()));
        let f = std::fs::File::open(&self.path).map_err(|e| fatal(e.to_string()))?;
        let now = f.metadata().map_err(|e| fatal(e.to_string()))?.len();
        if now != self.size {
            return Err(fatal(format!(
                "changed size during the upload ({} -> {now} bytes)",
                self.size
            )));
        }
        Ok(f)
    }
}

/// A multipart/form-data body streamed from its text fields and one file (the official
/// client's `FormPostHandler.encode`), with its length known up front.
struct MultipartForm {
    head: std::io::Cursor<Vec<u8>>,
    file: std::io::Take<std::fs::File>,
    tail: std::io::Cursor<Vec<u8>>,
    len: u64,
    content_type: String,
}

impl MultipartForm {
    fn new(
        fields: &[(String, String)],
        file_field: &str,
        file: &LocalFile,
    ) -> std::result::Result<MultipartForm, crate::transport::Failure> {
        let boundary = format!("sg-runtime-{:016x}", boundary_seed());
        let mut head = String::new();
        for (k, v) in fields {
            head.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        let name = file.name.replace(['"', '\r', '\n'], "_");
        head.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{name}\"\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
            file.content_type, file.size
        ));
        let tail = format!("\r\n--{boundary}--\r\n\r\n").into_bytes();
        let len = head.len() as u64 + file.size + tail.len() as u64;
        Ok(MultipartForm {
            head: std::io::Cursor::new(head.into_bytes()),
            file: file.reopen()?.take(file.size),
            tail: std::io::Cursor::new(tail),
            len,
            content_type: format!("multipart/form-data; boundary={boundary}"),
        })
    }
}

impl Read for MultipartForm {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.head.read(buf)?;
        if n > 0 {
            return Ok(n);
        }
        let n = self.file.read(buf)?;
        if n > 0 {
            return Ok(n);
        }
        self.tail.read(buf)
    }
}

/// A boundary that no file is likely to hold.
fn boundary_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// A reader that reports the file bytes read so far (form text counts as nothing).
struct Counted<'a, R> {
    inner: &'a mut R,
    done: u64,
    total: u64,
    progress: &'a mut dyn FnMut(u64, u64),
}

impl<'a, R: Read> Counted<'a, R> {
    fn new(inner: &'a mut R, total: u64, progress: &'a mut dyn FnMut(u64, u64)) -> Self {
        Self::offset(inner, 0, total, progress)
    }

    fn offset(
        inner: &'a mut R,
        done: u64,
        total: u64,
        progress: &'a mut dyn FnMut(u64, u64),
    ) -> Self {
        Counted {
            inner,
            done,
            total,
            progress,
        }
    }
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        // Counted up to the file's size: what a form sends after the file (its closing
        // boundary) is no progress, and is not reported again.
        let done = (self.done + n as u64).min(self.total);
        if done > self.done {
            self.done = done;
            (self.progress)(self.done, self.total);
        }
        Ok(n)
    }
}

//! Values as they travel on the wire, and their Rust types.
//!
//! [`WireValue`] converts each Rust value type of the DESIGN data-type table to and from
//! `serde_json::Value`. Generated bindings decode records field by field through it, which keeps
//! them cheap to compile (no derive per struct).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Date-times travel as UTC `YYYY-MM-DDTHH:MM:SSZ`.
pub const DATE_TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";
/// Dates travel as `YYYY-MM-DD`.
pub const DATE_FORMAT: &str = "%Y-%m-%d";

/// A value that did not have the shape a Rust type needs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}, found {found}")]
pub struct ValueError {
    /// What the type needs.
    pub expected: std::borrow::Cow<'static, str>,
    /// A short rendering of what came.
    pub found: String,
}

impl ValueError {
    /// A mismatch between `expected` and the value `found`.
    pub fn new(expected: impl Into<std::borrow::Cow<'static, str>>, found: &Value) -> ValueError {
        let mut s = found.to_string();
        if s.len() > 80 {
            let mut cut = 77;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            s.push_str("...");
        }
        ValueError {
            expected: expected.into(),
            found: s,
        }
    }
}

/// A link to another entity: `{"type": "Shot", "id": 42, "name": "sh010"}`.
///
/// Other keys the server adds (such as `valid`) are ignored when reading; only `type` and `id`
/// (and `name` when set) are written.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EntityRef {
    /// The entity type, such as `Shot`.
    #[serde(rename = "type")]
    pub entity_type: String,
    /// The id.
    pub id: i64,
    /// The display name, as the server sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl EntityRef {
    /// A reference to `entity_type` #`id`.
    pub fn new(entity_type: impl Into<String>, id: i64) -> EntityRef {
        EntityRef {
            entity_type: entity_type.into(),
            id,
            name: None,
        }
    }
}

impl std::fmt::Display for EntityRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{} #{} ({n})", self.entity_type, self.id),
            None => write!(f, "{} #{}", self.entity_type, self.id),
        }
    }
}

/// The value of a `url` (file/link) field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileLink {
    /// The display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The URL, for web links and uploads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `web`, `upload` or `local`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_type: Option<String>,
    /// The MIME type, for uploads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The local path on the current platform, for local links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_path: Option<String>,
    /// The local path on Linux.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_path_linux: Option<String>,
    /// The local path on macOS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_path_mac: Option<String>,
    /// The local path on Windows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_path_windows: Option<String>,
    /// The local storage the path belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_storage: Option<EntityRef>,
    /// The attachment id, for uploads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
}

/// The value of an `image` field (a thumbnail). Reading one never fails a record: a site sends a
/// URL, the transient placeholder while it makes the thumbnail, or (to a read that did not ask
/// for URLs) the attachment id; anything else is kept as sent.
#[derive(Clone, Debug, PartialEq)]
pub enum Image {
    /// The thumbnail's URL (on most sites a signed URL that expires).
    Url(String),
    /// The site is still making the thumbnail; this is the placeholder's URL
    /// (`https://SITE/images/status/transient/thumbnail_pending.png`).
    Pending(String),
    /// The thumbnail's attachment id: what a site sends to a read without `api_return_image_urls`.
    AttachmentId(i64),
    /// Any other value, as sent.
    Other(Value),
}

impl Image {
    /// The path part that marks the transient placeholder (python-api docs, "image" data type).
    pub const PENDING_PATH: &'static str = "/images/status/transient/";

    /// The thumbnail's URL, when the site sent a final one.
    pub fn url(&self) -> Option<&str> {
        match self {
            Image::Url(u) => Some(u),
            _ => None,
        }
    }

    /// Whether the site is still making the thumbnail.
    pub fn is_pending(&self) -> bool {
        matches!(self, Image::Pending(_))
    }

    fn from_string(s: String) -> Image {
        if s.contains(Image::PENDING_PATH) {
            Image::Pending(s)
        } else {
            Image::Url(s)
        }
    }
}

impl WireValue for Image {
    fn to_wire(&self) -> Value {
        match self {
            Image::Url(s) | Image::Pending(s) => Value::String(s.clone()),
            Image::AttachmentId(id) => Value::from(*id),
            Image::Other(v) => v.clone(),
        }
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        Self::from_wire_owned(v.clone())
    }
    fn from_wire_owned(v: Value) -> Result<Self, ValueError> {
        Ok(match v {
            Value::String(s) => Image::from_string(s),
            Value::Number(n) if n.is_i64() => Image::AttachmentId(n.as_i64().unwrap_or_default()),
            other => Image::Other(other),
        })
    }
}

/// Formats a date-time for the wire.
pub fn format_date_time(t: &DateTime<Utc>) -> String {
    t.format(DATE_TIME_FORMAT).to_string()
}

/// Parses a wire date-time: `YYYY-MM-DDTHH:MM:SSZ` as sites send it; an RFC 3339 offset or
/// fraction is accepted too, and a value with no zone at all is read as UTC (sites store UTC).
pub fn parse_date_time(s: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(s, DATE_TIME_FORMAT)
        .map(|n| n.and_utc())
        .ok()
        .or_else(|| {
            DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|t| t.with_timezone(&Utc))
        })
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|n| n.and_utc())
        })
        // Note threads and activity streams write `2015-07-14 21:33:28 UTC`.
        .or_else(|| {
            NaiveDateTime::parse_from_str(s.strip_suffix(" UTC")?, "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|n| n.and_utc())
        })
}

/// Parses a wire date (`YYYY-MM-DD`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, DATE_FORMAT).ok()
}

/// A Rust value type that converts to and from its api3 wire form.
pub trait WireValue: Sized {
    /// The wire form.
    fn to_wire(&self) -> Value;
    /// Reads the wire form. `null` is only accepted by `Option<T>` and `serde_json::Value`.
    fn from_wire(v: &Value) -> Result<Self, ValueError>;
    /// Reads the wire form, taking it: strings and lists are moved, not copied.
    fn from_wire_owned(v: Value) -> Result<Self, ValueError> {
        Self::from_wire(&v)
    }
}

impl WireValue for String {
    fn to_wire(&self) -> Value {
        Value::String(self.clone())
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| ValueError::new("a string", v))
    }
    fn from_wire_owned(v: Value) -> Result<Self, ValueError> {
        match v {
            Value::String(s) => Ok(s),
            other => Err(ValueError::new("a string", &other)),
        }
    }
}

impl WireValue for i64 {
    fn to_wire(&self) -> Value {
        Value::from(*self)
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        v.as_i64().ok_or_else(|| ValueError::new("an integer", v))
    }
}

impl WireValue for f64 {
    fn to_wire(&self) -> Value {
        serde_json::Number::from_f64(*self).map_or(Value::Null, Value::Number)
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        v.as_f64().ok_or_else(|| ValueError::new("a number", v))
    }
}

impl WireValue for bool {
    fn to_wire(&self) -> Value {
        Value::Bool(*self)
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        v.as_bool()
            .ok_or_else(|| ValueError::new("true or false", v))
    }
}

impl WireValue for NaiveDate {
    fn to_wire(&self) -> Value {
        Value::String(self.format(DATE_FORMAT).to_string())
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        v.as_str()
            .and_then(parse_date)
            .ok_or_else(|| ValueError::new("a date YYYY-MM-DD", v))
    }
}

impl WireValue for DateTime<Utc> {
    fn to_wire(&self) -> Value {
        Value::String(format_date_time(self))
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        v.as_str()
            .and_then(parse_date_time)
            .ok_or_else(|| ValueError::new("a UTC date-time YYYY-MM-DDTHH:MM:SSZ", v))
    }
}

impl WireValue for EntityRef {
    fn to_wire(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), Value::String(self.entity_type.clone()));
        m.insert("id".into(), Value::from(self.id));
        Value::Object(m)
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        let o = v
            .as_object()
            .ok_or_else(|| ValueError::new("an entity {type, id}", v))?;
        let entity_type = o.get("type").and_then(Value::as_str);
        let id = o.get("id").and_then(Value::as_i64);
        match (entity_type, id) {
            (Some(t), Some(id)) => Ok(EntityRef {
                entity_type: t.to_owned(),
                id,
                name: o.get("name").and_then(Value::as_str).map(str::to_owned),
            }),
            _ => Err(ValueError::new("an entity {type, id}", v)),
        }
    }
    fn from_wire_owned(v: Value) -> Result<Self, ValueError> {
        let Value::Object(mut o) = v else {
            return Err(ValueError::new("an entity {type, id}", &v));
        };
        match (o.remove("type"), o.get("id").and_then(Value::as_i64)) {
            (Some(Value::String(entity_type)), Some(id)) => Ok(EntityRef {
                entity_type,
                id,
                name: match o.remove("name") {
                    Some(Value::String(n)) => Some(n),
                    _ => None,
                },
            }),
            (t, _) => {
                if let Some(t) = t {
                    o.insert("type".into(), t);
                }
                Err(ValueError::new("an entity {type, id}", &Value::Object(o)))
            }
        }
    }
}

impl WireValue for FileLink {
    fn to_wire(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        if !v.is_object() {
            return Err(ValueError::new("a file/link object", v));
        }
        FileLink::deserialize(v).map_err(|_| ValueError::new("a file/link object", v))
    }
}

impl WireValue for Value {
    fn to_wire(&self) -> Value {
        self.clone()
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        Ok(v.clone())
    }
    fn from_wire_owned(v: Value) -> Result<Self, ValueError> {
        Ok(v)
    }
}

impl<T: WireValue> WireValue for Option<T> {
    fn to_wire(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_wire)
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        if v.is_null() {
            Ok(None)
        } else {
            T::from_wire(v).map(Some)
        }
    }
    fn from_wire_owned(v: Value) -> Result<Self, ValueError> {
        if v.is_null() {
            Ok(None)
        } else {
            T::from_wire_owned(v).map(Some)
        }
    }
}

impl<T: WireValue> WireValue for Vec<T> {
    fn to_wire(&self) -> Value {
        Value::Array(self.iter().map(T::to_wire).collect())
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        match v {
            Value::Array(items) => items.iter().map(T::from_wire).collect(),
            _ => Err(ValueError::new("a list", v)),
        }
    }
    fn from_wire_owned(v: Value) -> Result<Self, ValueError> {
        match v {
            Value::Array(items) => items.into_iter().map(T::from_wire_owned).collect(),
            other => Err(ValueError::new("a list", &other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn round_trip<T: WireValue + PartialEq + std::fmt::Debug>(v: T, wire: Value) {
        assert_eq!(v.to_wire(), wire);
        assert_eq!(T::from_wire(&wire).unwrap(), v);
        assert_eq!(T::from_wire_owned(wire).unwrap(), v);
    }

    #[test]
    fn scalars_round_trip() {
        round_trip("sh010".to_string(), json!("sh010"));
        round_trip(42i64, json!(42));
        round_trip(1.5f64, json!(1.5));
        round_trip(true, json!(true));
        round_trip(
            NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            json!("2026-11-28"),
        );
        round_trip(
            Utc.with_ymd_and_hms(2026, 11, 28, 2, 10, 0).unwrap(),
            json!("2026-11-28T02:10:00Z"),
        );
        round_trip(Some(3i64), json!(3));
        round_trip(None::<i64>, json!(null));
        round_trip(vec!["a".to_string()], json!(["a"]));
    }

    #[test]
    fn entity_ref_ignores_extra_keys_and_writes_type_and_id() {
        let wire = json!({"type": "Shot", "id": 7, "name": "sh010", "valid": "valid"});
        let r = EntityRef::from_wire(&wire).unwrap();
        assert_eq!(r.name.as_deref(), Some("sh010"));
        assert_eq!(r.to_wire(), json!({"type": "Shot", "id": 7}));
        assert_eq!(EntityRef::from_wire_owned(wire).unwrap(), r);
        assert!(EntityRef::from_wire(&json!({"type": "Shot"})).is_err());
        let e = EntityRef::from_wire_owned(json!({"type": "Shot", "id": "7"})).unwrap_err();
        assert!(e.found.contains("\"type\":\"Shot\""), "{e}");
    }

    #[test]
    fn offsets_are_read_as_utc() {
        let t = DateTime::<Utc>::from_wire(&json!("2026-11-28T03:10:00+01:00")).unwrap();
        assert_eq!(format_date_time(&t), "2026-11-28T02:10:00Z");
    }

    #[test]
    fn mismatches_say_what_was_expected_and_found() {
        let e = i64::from_wire(&json!("12")).unwrap_err();
        assert_eq!(e.to_string(), "expected an integer, found \"12\"");
        assert!(NaiveDate::from_wire(&json!("28/11/2026")).is_err());
        assert!(String::from_wire(&json!(null)).is_err());
    }

    #[test]
    fn images_never_fail() {
        let pending =
            "https://studio.shotgrid.autodesk.com/images/status/transient/thumbnail_pending.png";
        assert!(Image::from_wire(&json!(pending)).unwrap().is_pending());
        let url = Image::from_wire(&json!("https://sg-media/x.jpg?sig=1")).unwrap();
        assert_eq!(url.url(), Some("https://sg-media/x.jpg?sig=1"));
        assert_eq!(
            Image::from_wire(&json!(42)).unwrap(),
            Image::AttachmentId(42)
        );
        assert_eq!(
            Image::from_wire(&json!({"id": 1})).unwrap(),
            Image::Other(json!({"id": 1}))
        );
        assert_eq!(Option::<Image>::from_wire(&json!(null)).unwrap(), None);
        assert_eq!(Image::AttachmentId(42).to_wire(), json!(42));
    }

    #[test]
    fn file_links_keep_their_parts() {
        let wire = json!({"name": "plate", "url": "https://x/y.mov", "link_type": "web"});
        let l = FileLink::from_wire(&wire).unwrap();
        assert_eq!(l.url.as_deref(), Some("https://x/y.mov"));
        assert_eq!(l.to_wire(), wire);
    }
}

//! Values as they travel on the wire, and their Rust types.
//!
//! [`WireValue`] converts each Rust value type of the data-type table (`sg_api3::data_type`) to and from
//! `serde_json::Value`, and reads each straight from a response's JSON ([`WireValue::read_wire`]):
//! generated bindings decode records field by field through it, with no `Value` tree for the
//! common shapes (text, numbers, dates, links, lists) and no derive per struct (cheap to compile).

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// The `Visitor` methods for the shapes a visitor does not take: each is the error
/// `from_wire` gives for it ("expected ..., found ...").
macro_rules! wrong_shapes {
    ($expected:expr) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Err(Wire::Bool(v).mismatch($expected))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Err(Wire::Int(v).mismatch($expected))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Err(Wire::Tree(Value::from(v)).mismatch($expected))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Err(Wire::Float(v).mismatch($expected))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Err(Wire::Str(Cow::Borrowed(v)).mismatch($expected))
        }
    };
}

/// `read_wire` of a scalar type: `null` is `None`, `$body` gives the value or hands the
/// [`Wire`] back, which is then the same error as `from_wire`'s.
macro_rules! read_scalar {
    ($expected:expr, |$w:ident, $top:ident| $body:expr) => {
        fn read_wire<'de, D: Deserializer<'de>>(
            d: D,
            $top: bool,
        ) -> Result<Option<Self>, D::Error> {
            let _ = $top;
            match Wire::read(d)? {
                Wire::Null => Ok(None),
                $w => match $body {
                    Ok(v) => Ok(Some(v)),
                    Err(w) => Err(Wire::mismatch(w, $expected)),
                },
            }
        }
    };
}

pub use sg_api3::wire::{
    format_date_time, parse_date, parse_date_time, DATE_FORMAT, DATE_TIME_FORMAT,
};

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

pub use sg_api3::wire::EntityRef;

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
    read_scalar!("an image", |w, top| Ok::<_, Wire>(match w {
        Wire::Int(id) => Image::AttachmentId(id),
        w => match w.string(top) {
            Ok(s) => Image::from_string(s),
            Err(other) => Image::Other(other.into_value()),
        },
    }));
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
    /// Reads the wire form straight from a deserializer (a response's bytes, or a `Value`):
    /// `None` for `null`. `top_level`: the value is a record's own, so the official client's
    /// record rules apply ([`crate::records`]). The default reads scalars without a `Value`
    /// tree and hands everything else to [`WireValue::from_wire_owned`].
    fn read_wire<'de, D: Deserializer<'de>>(
        d: D,
        top_level: bool,
    ) -> Result<Option<Self>, D::Error> {
        let mut v = match Wire::read(d)? {
            Wire::Null => return Ok(None),
            w => w.into_value(),
        };
        if top_level {
            crate::records::parse_value(&mut v);
        }
        Self::from_wire_owned(v)
            .map(Some)
            .map_err(de::Error::custom)
    }
}

/// One JSON value as [`WireValue::read_wire`] sees it: scalars as they are (strings borrowed
/// from the response where they have no escapes), objects and lists as a `Value`.
pub(crate) enum Wire<'de> {
    Null,
    Str(Cow<'de, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Tree(Value),
}

impl<'de> Wire<'de> {
    pub(crate) fn read<D: Deserializer<'de>>(d: D) -> Result<Wire<'de>, D::Error> {
        d.deserialize_any(WireVisitor)
    }

    pub(crate) fn into_value(self) -> Value {
        match self {
            Wire::Null => Value::Null,
            Wire::Str(s) => Value::String(s.into_owned()),
            Wire::Int(i) => Value::from(i),
            Wire::Float(f) => Value::from(f),
            Wire::Bool(b) => Value::Bool(b),
            Wire::Tree(v) => v,
        }
    }

    /// The error for a value that is not `expected`, worded as [`WireValue::from_wire`]'s.
    pub(crate) fn mismatch<E: de::Error>(self, expected: &'static str) -> E {
        E::custom(ValueError::new(expected, &self.into_value()))
    }

    /// A string, with `&lt;` turned back at the top level.
    fn string(self, top_level: bool) -> Result<String, Self> {
        match self {
            Wire::Str(s) => {
                let mut s = s.into_owned();
                if top_level {
                    crate::records::unescape_lt(&mut s);
                }
                Ok(s)
            }
            other => Err(other),
        }
    }
}

struct WireVisitor;

impl<'de> Visitor<'de> for WireVisitor {
    type Value = Wire<'de>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Wire<'de>, E> {
        Ok(Wire::Null)
    }
    fn visit_none<E>(self) -> Result<Wire<'de>, E> {
        Ok(Wire::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Wire<'de>, D::Error> {
        Wire::read(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Wire<'de>, E> {
        Ok(Wire::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Wire<'de>, E> {
        Ok(Wire::Int(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Wire<'de>, E> {
        Ok(i64::try_from(u).map_or_else(|_| Wire::Tree(Value::from(u)), Wire::Int))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Wire<'de>, E> {
        Ok(Wire::Float(f))
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Wire<'de>, E> {
        Ok(Wire::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Wire<'de>, E> {
        Ok(Wire::Str(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E>(self, s: String) -> Result<Wire<'de>, E> {
        Ok(Wire::Str(Cow::Owned(s)))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Wire<'de>, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Wire::Tree)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Wire<'de>, A::Error> {
        Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Wire::Tree)
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
    read_scalar!("a string", |w, top| w.string(top));
}

impl WireValue for i64 {
    fn to_wire(&self) -> Value {
        Value::from(*self)
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        v.as_i64().ok_or_else(|| ValueError::new("an integer", v))
    }
    read_scalar!("an integer", |w, top| match w {
        Wire::Int(i) => Ok(i),
        w => Err(w),
    });
}

impl WireValue for f64 {
    fn to_wire(&self) -> Value {
        serde_json::Number::from_f64(*self).map_or(Value::Null, Value::Number)
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        v.as_f64().ok_or_else(|| ValueError::new("a number", v))
    }
    read_scalar!("a number", |w, top| match w {
        Wire::Int(i) => Ok(i as f64),
        Wire::Float(f) => Ok(f),
        w => Err(w),
    });
}

impl WireValue for bool {
    fn to_wire(&self) -> Value {
        Value::Bool(*self)
    }
    fn from_wire(v: &Value) -> Result<Self, ValueError> {
        v.as_bool()
            .ok_or_else(|| ValueError::new("true or false", v))
    }
    read_scalar!("true or false", |w, top| match w {
        Wire::Bool(b) => Ok(b),
        w => Err(w),
    });
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
    read_scalar!("a date YYYY-MM-DD", |w, top| match w {
        Wire::Str(s) => parse_date(&s).ok_or(Wire::Str(s)),
        w => Err(w),
    });
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
    read_scalar!("a UTC date-time YYYY-MM-DDTHH:MM:SSZ", |w, top| match w {
        Wire::Str(s) => parse_date_time(&s).ok_or(Wire::Str(s)),
        w => Err(w),
    });
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
    fn read_wire<'de, D: Deserializer<'de>>(d: D, _: bool) -> Result<Option<Self>, D::Error> {
        read_entity_ref(d)
    }
}

/// A JSON object key, borrowed from the response where it has no escapes.
pub(crate) struct Key;

impl<'de> de::DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Cow<'de, str>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(s))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(s.to_owned()))
            }
            fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
                Ok(Cow::Owned(s))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// Reads `{type, id, name, ...}` straight from a deserializer (other keys skipped); `None` for
/// `null`.
pub(crate) fn read_entity_ref<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<EntityRef>, D::Error> {
    Ok(read_link(d)?.map(|(entity_type, id, name)| EntityRef {
        entity_type: entity_type.into_owned(),
        id,
        name,
    }))
}

/// A link as read: its type (borrowed from the response where it can be: a typed link only
/// compares it), id and name.
pub(crate) type LinkParts<'de> = (Cow<'de, str>, i64, Option<String>);

/// A link's parts, straight from a deserializer; `None` for `null`.
pub(crate) fn read_link<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<LinkParts<'de>>, D::Error> {
    struct LinkVisitor;
    impl<'de> Visitor<'de> for LinkVisitor {
        type Value = Option<LinkParts<'de>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an entity {type, id}")
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        wrong_shapes!("an entity {type, id}");
        fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            let v = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
            Err(Wire::Tree(v).mismatch("an entity {type, id}"))
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let (mut entity_type, mut id, mut name) = (None, None, None);
            while let Some(key) = map.next_key_seed(Key)? {
                match &*key {
                    "type" => match map.next_value_seed(WireSeed)? {
                        Wire::Str(t) => entity_type = Some(t),
                        _ => entity_type = None,
                    },
                    "id" => id = map.next_value_seed(Plain::<i64>::new())?,
                    "name" => name = map.next_value_seed(Plain::<String>::new())?,
                    _ => {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
            }
            match (entity_type, id) {
                (Some(entity_type), Some(id)) => Ok(Some((entity_type, id, name))),
                _ => Err(de::Error::custom(
                    "expected an entity {type, id}, found an object without them",
                )),
            }
        }
    }
    d.deserialize_any(LinkVisitor)
}

/// One value as a [`Wire`].
struct WireSeed;

impl<'de> de::DeserializeSeed<'de> for WireSeed {
    type Value = Wire<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Wire<'de>, D::Error> {
        Wire::read(d)
    }
}

/// A nested value read with `T::read_wire` (no record rules): `None` for `null`.
pub(crate) struct Plain<T>(std::marker::PhantomData<T>);

impl<T> Plain<T> {
    pub(crate) fn new() -> Self {
        Plain(std::marker::PhantomData)
    }
}

impl<'de, T: WireValue> de::DeserializeSeed<'de> for Plain<T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        T::read_wire(d, false)
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
    fn read_wire<'de, D: Deserializer<'de>>(
        d: D,
        top_level: bool,
    ) -> Result<Option<Self>, D::Error> {
        let Some(w) = Option::<FileLinkWire>::deserialize(d)? else {
            return Ok(None);
        };
        let mut link = FileLink {
            name: w.name,
            url: w.url,
            link_type: w.link_type,
            content_type: w.content_type,
            local_path: w.local_path,
            local_path_linux: w.local_path_linux.clone().flatten(),
            local_path_mac: w.local_path_mac.clone().flatten(),
            local_path_windows: w.local_path_windows.clone().flatten(),
            local_storage: w.local_storage,
            id: w.id,
        };
        // The record rule for local links (`records.rs`), where the key being there matters.
        let this_platform = match crate::records::LOCAL_PATH_FIELD {
            Some("local_path_linux") => w.local_path_linux,
            Some("local_path_mac") => w.local_path_mac,
            Some("local_path_windows") => w.local_path_windows,
            _ => None,
        };
        if let (true, Some("local"), Some(path)) =
            (top_level, link.link_type.as_deref(), this_platform)
        {
            link.url = Some(format!("file://{}", path.as_deref().unwrap_or("")));
            link.local_path = path;
        }
        Ok(Some(link))
    }
}

/// A [`FileLink`] as sent, knowing which platform paths were there (even as `null`).
#[derive(Deserialize)]
#[serde(expecting = "a file/link object")]
struct FileLinkWire {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    link_type: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    local_path: Option<String>,
    #[serde(default, deserialize_with = "present")]
    local_path_linux: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    local_path_mac: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    local_path_windows: Option<Option<String>>,
    #[serde(default)]
    local_storage: Option<EntityRef>,
    #[serde(default)]
    id: Option<i64>,
}

/// A key that is there, `null` or not.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
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
    fn read_wire<'de, D: Deserializer<'de>>(
        d: D,
        top_level: bool,
    ) -> Result<Option<Self>, D::Error> {
        T::read_wire(d, top_level).map(Some)
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
    /// Items are read as nested values: the record rules apply to a record's own values only.
    fn read_wire<'de, D: Deserializer<'de>>(d: D, _: bool) -> Result<Option<Self>, D::Error> {
        struct Items<T>(std::marker::PhantomData<T>);
        impl<'de, T: WireValue> Visitor<'de> for Items<T> {
            type Value = Option<Vec<T>>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            wrong_shapes!("a list");
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let v = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Err(Wire::Tree(v).mismatch("a list"))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(item) = seq.next_element_seed(Item::<T>(std::marker::PhantomData))? {
                    items.push(item);
                }
                Ok(Some(items))
            }
        }
        struct Item<T>(std::marker::PhantomData<T>);
        impl<'de, T: WireValue> de::DeserializeSeed<'de> for Item<T> {
            type Value = T;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
                match T::read_wire(d, false)? {
                    Some(t) => Ok(t),
                    // `null` in a list: the error `from_wire` gives for it.
                    None => Err(de::Error::custom(
                        T::from_wire(&Value::Null)
                            .err()
                            .map_or_else(|| "a list item is null".to_string(), |e| e.to_string()),
                    )),
                }
            }
        }
        d.deserialize_any(Items::<T>(std::marker::PhantomData))
    }
}

/// JSON text read into `T`, with the bytes checked as UTF-8 once for the whole text rather than
/// string by string (a fifth faster on a page of records); bytes that are not UTF-8 are read as
/// bytes, for serde_json's error.
pub(crate) fn from_json_bytes<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> serde_json::Result<T> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn json_bytes_read_as_text_and_bytes_that_are_not_utf8_are_an_error() {
        let v: Value = from_json_bytes("{\"name\": \"caf\\u00e9 \u{e9}\"}".as_bytes()).unwrap();
        assert_eq!(v["name"], "caf\u{e9} \u{e9}");
        let e = from_json_bytes::<Value>(b"{\"name\": \"\xff\"}").unwrap_err();
        assert!(e.to_string().contains("invalid unicode"), "{e}");
    }

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

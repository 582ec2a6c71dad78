//! Values as a site sends and takes them: entity links, dates and date-times, and the content
//! types of uploaded files.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

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

/// Date-times travel as UTC `YYYY-MM-DDTHH:MM:SSZ`.
pub const DATE_TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";
/// Dates travel as `YYYY-MM-DD`.
pub const DATE_FORMAT: &str = "%Y-%m-%d";

/// Formats a date-time for the wire.
pub fn format_date_time(t: &DateTime<Utc>) -> String {
    t.format(DATE_TIME_FORMAT).to_string()
}

/// Parses a wire date-time: `YYYY-MM-DDTHH:MM:SSZ` as sites send it; an RFC 3339 offset or
/// fraction is accepted too, and a value with no zone at all is read as UTC (sites store UTC).
pub fn parse_date_time(s: &str) -> Option<DateTime<Utc>> {
    // The site's own form, read by hand: chrono's format parser costs more than the rest of a
    // record's decoding.
    if let [date @ .., b'T', h1, h2, b':', m1, m2, b':', s1, s2, b'Z'] = s.as_bytes() {
        if let Some(d) = date_of(date) {
            let hms = [two(*h1, *h2), two(*m1, *m2), two(*s1, *s2)];
            if let [Some(h), Some(m), Some(sec)] = hms {
                if let Some(t) = d.and_hms_opt(h, m, sec) {
                    return Some(t.and_utc());
                }
            }
        }
    }
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
    date_of(s.as_bytes()).or_else(|| NaiveDate::parse_from_str(s, DATE_FORMAT).ok())
}

/// `YYYY-MM-DD`, exactly.
fn date_of(b: &[u8]) -> Option<NaiveDate> {
    let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = *b else {
        return None;
    };
    let year = two(y1, y2)? * 100 + two(y3, y4)?;
    NaiveDate::from_ymd_opt(year as i32, two(m1, m2)?, two(d1, d2)?)
}

/// Two ASCII digits.
fn two(a: u8, b: u8) -> Option<u32> {
    (a.is_ascii_digit() && b.is_ascii_digit())
        .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
}

/// The content type of a file name, by its extension, as an upload sends it and the local site
/// serves it back (the official client uses Python's `mimetypes`).
pub fn content_type_of(name: &str) -> &'static str {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "mov" | "qt" => "video/quicktime",
        "mp4" | "m4v" => "video/mp4",
        "avi" => "video/x-msvideo",
        "webm" => "video/webm",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "tif" | "tiff" => "image/tiff",
        "exr" => "image/x-exr",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "json" => "application/json",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_read_dates_agree_with_chrono() {
        for s in [
            "2026-11-28T02:10:00Z",
            "1999-12-31T23:59:59Z",
            "2024-02-29T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-28T24:00:00Z",
            "2026-11-28T23:60:00Z",
            "2026-11-28T23:59:60Z",
            "2026-1a-28T02:10:00Z",
        ] {
            let chrono = NaiveDateTime::parse_from_str(s, DATE_TIME_FORMAT)
                .map(|n| n.and_utc())
                .ok();
            assert_eq!(parse_date_time(s), chrono, "{s}");
        }
        for s in [
            "2026-11-28",
            "2024-02-29",
            "2023-02-29",
            "2026-00-10",
            "0000-01-01",
            "2026-11-2x",
        ] {
            assert_eq!(
                parse_date(s),
                NaiveDate::parse_from_str(s, DATE_FORMAT).ok(),
                "{s}"
            );
        }
    }
}

//! What the official client does to every record a site returns, before anyone reads it
//! (shotgun_api3 `Shotgun._parse_records`, applied to `find`, `create`, `update` and `batch`
//! results). The untyped and the typed layer both read records through here.

use serde_json::{Map, Value};

/// The field of a local file link that holds this platform's path (the official client's
/// `ClientCapabilities.local_path_field`); `None` on platforms it does not name.
pub const LOCAL_PATH_FIELD: Option<&str> = if cfg!(target_os = "macos") {
    Some("local_path_mac")
} else if cfg!(target_os = "linux") {
    Some("local_path_linux")
} else if cfg!(windows) {
    Some("local_path_windows")
} else {
    None
};

/// Applies the official client's record rules to `record`, in place:
/// * text: a site stores `<` as `&lt;` (input sanitising); the official client turns it back, so
///   a value read and written again stays what the user wrote. Like the official client, only
///   `&lt;` and only top-level string values;
/// * local file links (`url` fields with `link_type: local`): `local_path` is set to this
///   platform's path and `url` to `file://` and that path.
pub fn parse_record(record: &mut Map<String, Value>) {
    for v in record.values_mut() {
        parse_value(v);
    }
}

/// [`parse_record`]'s rules for one of a record's own (top-level) values.
pub(crate) fn parse_value(v: &mut Value) {
    match v {
        Value::String(s) => unescape_lt(s),
        Value::Object(link) => fill_local_path(link),
        _ => {}
    }
}

/// `&lt;` back to `<`, in a record's own string values.
pub(crate) fn unescape_lt(s: &mut String) {
    if s.contains("&lt;") {
        *s = s.replace("&lt;", "<");
    }
}

/// [`parse_record`] for each record of a list; other values (a batch's `true` for a delete) are
/// left as they are.
pub(crate) fn parse_records(records: &mut [Value]) {
    for r in records {
        if let Value::Object(m) = r {
            parse_record(m);
        }
    }
}

fn fill_local_path(link: &mut Map<String, Value>) {
    let Some(field) = LOCAL_PATH_FIELD else {
        return;
    };
    if link.get("link_type").and_then(Value::as_str) != Some("local") {
        return;
    }
    let Some(path) = link.get(field).cloned() else {
        return;
    };
    let url = format!("file://{}", path.as_str().unwrap_or(""));
    link.insert("local_path".into(), path);
    link.insert("url".into(), url.into());
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parsed(v: Value) -> Value {
        let mut m = v.as_object().unwrap().clone();
        parse_record(&mut m);
        Value::Object(m)
    }

    #[test]
    fn lt_entities_are_unescaped_at_the_top_level_only() {
        let r = parsed(json!({
            "description": "a &lt;b&gt; &amp;lt; c",
            "sg_sequence": {"type": "Sequence", "id": 1, "name": "x &lt; y"},
            "tags": ["&lt;"]
        }));
        // As the official client: `&gt;` and `&amp;` stay, nested strings stay.
        assert_eq!(r["description"], "a <b&gt; &amp;lt; c");
        assert_eq!(r["sg_sequence"]["name"], "x &lt; y");
        assert_eq!(r["tags"][0], "&lt;");
    }

    #[test]
    fn local_links_get_this_platforms_path_and_a_file_url() {
        let r = parsed(json!({"sg_plate": {
            "link_type": "local", "name": "plate.mov",
            "local_path_linux": "/mnt/show/plate.mov", "local_path_mac": "/Volumes/show/plate.mov",
            "local_path_windows": "S:\\show\\plate.mov",
            "local_storage": {"type": "LocalStorage", "id": 1, "name": "primary"}
        }}));
        let field = LOCAL_PATH_FIELD.expect("the tests run on linux, macOS or windows");
        let want = r["sg_plate"][field].clone();
        assert_eq!(r["sg_plate"]["local_path"], want);
        assert_eq!(
            r["sg_plate"]["url"],
            format!("file://{}", want.as_str().unwrap())
        );
        // A web link is left alone; a local link without this platform's path too.
        let web = json!({"f": {"link_type": "web", "url": "https://x/y"}});
        assert_eq!(parsed(web.clone()), web);
        let other = json!({"f": {"link_type": "local", "local_path_nowhere": "/x"}});
        assert_eq!(parsed(other.clone()), other);
        // A null path gives `file://`, as the official client.
        let null = parsed(json!({"f": {"link_type": "local", field: null}}));
        assert_eq!(null["f"]["url"], "file://");
    }
}

//! Notes and search, mirroring the client's `api/notes.rs`: a note's thread
//! (`note_thread_contents`) and the display-name search (`query_display_name_cache`).

use super::Call;
use crate::records::{bad, Exception, Records};
use serde_json::{json, Value};
use sg_api3::methods::notes::{NoteThreadParams, TextSearchAnswer, TextSearchParams};
use sg_api3::methods::{Handler, NoteThreadContents, QueryDisplayNameCache};

/// `2015-07-14T21:33:28Z` as note threads write it: `2015-07-14 21:33:28 UTC`.
fn thread_time(v: &Value) -> Value {
    match v.as_str() {
        Some(s) if s.ends_with('Z') && s.len() == 20 => {
            Value::String(format!("{} {} UTC", &s[..10], &s[11..19]))
        }
        _ => v.clone(),
    }
}

/// The fields asked for `entity_type` in `entity_fields`, after the defaults.
fn fields_for(p: &NoteThreadParams, entity_type: &str, defaults: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = defaults.iter().map(|s| s.to_string()).collect();
    for f in p.entity_fields.get(entity_type).into_iter().flatten() {
        if !out.iter().any(|o| o == f) {
            out.push(f.clone());
        }
    }
    out
}

impl Records {
    pub(crate) fn note_thread_contents(
        &self,
        p: &NoteThreadParams,
    ) -> Result<Vec<Value>, Exception> {
        let m = "note_thread_contents";
        let note_id = p.note_id;
        if !self.is_live("Note", note_id) {
            return Err(bad(format!("API {m}(): Note #{note_id} does not exist")));
        }
        let render = |t: &str, id: i64, fields: &[String]| -> Result<Value, Exception> {
            let mut r = self.output(m, t, id, fields, true)?;
            if let Some(c) = r.get("created_at").cloned() {
                r["created_at"] = thread_time(&c);
            }
            Ok(r)
        };
        let note_fields = fields_for(p, "Note", &["content", "created_at", "created_by"]);
        let reply_fields = fields_for(p, "Reply", &["content", "created_at", "user"]);
        let attachment_fields = fields_for(p, "Attachment", &["created_at", "created_by"]);
        let mut thread = vec![render("Note", note_id, &note_fields)?];
        // Replies point at the note; attachments are listed on it or link to it.
        let mut rest: Vec<(String, i64, &str)> = Vec::new();
        let is_note = |v: &Value| {
            v.get("type") == Some(&json!("Note")) && v.get("id") == Some(&json!(note_id))
        };
        for (id, row) in self
            .tables()
            .get("Reply")
            .map(|t| &t.rows)
            .into_iter()
            .flatten()
        {
            if !row.retired && row.fields.get("entity").is_some_and(is_note) {
                let at = row
                    .fields
                    .get("created_at")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                rest.push((at.to_string(), *id, "Reply"));
            }
        }
        let listed: Vec<i64> = self
            .row("Note", note_id)
            .and_then(|r| r.fields.get("attachments"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|l| l.get("id").and_then(Value::as_i64))
                    .collect()
            })
            .unwrap_or_default();
        for (id, row) in self
            .tables()
            .get("Attachment")
            .map(|t| &t.rows)
            .into_iter()
            .flatten()
        {
            let linked = row
                .fields
                .get("attachment_links")
                .and_then(Value::as_array)
                .is_some_and(|links| links.iter().any(is_note));
            if !row.retired && (linked || listed.contains(id)) {
                let at = row
                    .fields
                    .get("created_at")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                rest.push((at.to_string(), *id, "Attachment"));
            }
        }
        rest.sort();
        for (_, id, t) in rest {
            let fields = if t == "Reply" {
                &reply_fields
            } else {
                &attachment_fields
            };
            thread.push(render(t, id, fields)?);
        }
        Ok(thread)
    }

    /// Records of the asked entity types whose display name contains every word of `text`
    /// (case-insensitive), within the filters given per type and the projects given.
    pub(crate) fn query_display_name_cache(
        &self,
        p: &TextSearchParams,
    ) -> Result<TextSearchAnswer, Exception> {
        let m = "query_display_name_cache";
        let text = p.text.to_lowercase();
        let terms: Vec<&str> = text.split_whitespace().collect();
        if terms.is_empty() {
            return Err(bad(format!("API {m}(): `text` is empty")));
        }
        let projects = &p.project_ids;
        let max = p.max_results.unwrap_or(50) as usize;
        let mut matches = Vec::new();
        for (entity_type, filters) in &p.entity_types {
            self.entity(m, entity_type)?;
            for id in self.matching(m, entity_type, filters, false, false)? {
                let name = self.name_of(entity_type, id);
                let lower = name.as_str().unwrap_or("").to_lowercase();
                if !terms.iter().all(|t| lower.contains(t)) {
                    continue;
                }
                let project = self
                    .row(entity_type, id)
                    .and_then(|r| r.fields.get("project"))
                    .and_then(|l| l.get("id"))
                    .and_then(Value::as_i64);
                if !projects.is_empty() && !project.is_some_and(|p| projects.contains(&p)) {
                    continue;
                }
                matches.push(json!({"type": entity_type, "id": id, "name": name,
                                    "project_id": project}));
            }
        }
        matches.truncate(max);
        Ok(TextSearchAnswer {
            matches,
            terms: terms.into_iter().map(Value::from).collect(),
        })
    }
}

impl Handler<NoteThreadContents> for Call<'_> {
    fn handle(&mut self, p: NoteThreadParams) -> Result<Vec<Value>, Exception> {
        self.state.records.note_thread_contents(&p)
    }
}

impl Handler<QueryDisplayNameCache> for Call<'_> {
    fn handle(&mut self, p: TextSearchParams) -> Result<TextSearchAnswer, Exception> {
        self.state.records.query_display_name_cache(&p)
    }
}

//! Navigation and page export, mirroring the client's `nav_*` and `export_page`.
//!
//! Sites call their navigation hierarchy experimental and document no shape for it; this server
//! models the plain one: `/` lists projects, `/Project/ID` the entity types with records in the
//! project, `/Project/ID/Type` those records. Each node is `{label, path, ref: {kind, value},
//! has_children}`; a node asked for carries `children`. Pages exported are the ones the builder
//! registers (`LocalSiteBuilder::page`), as a site exports only pages marked API-exportable.

use super::Call;
use crate::records::{bad, Exception, Records};
use serde_json::{json, Value};
use sg_api3::methods::nav::{ExportPageParams, NavExpandParams, NavSearchParams};
use sg_api3::methods::{ExportPage, Handler, NavExpand, NavSearch};
use std::collections::BTreeMap;

/// A page that can be exported: its entity type and its layouts' columns (the first is the
/// default layout).
#[derive(Clone, Debug)]
pub(crate) struct Page {
    pub(crate) entity_type: String,
    pub(crate) layouts: Vec<(String, Vec<String>)>,
}

fn node(label: Value, path: String, kind: &str, value: Value, has_children: bool) -> Value {
    json!({"label": label, "path": path, "ref": {"kind": kind, "value": value}, "has_children": has_children})
}

/// One CSV cell.
fn cell(v: &Value) -> String {
    let text = match v {
        Value::Null => String::new(),
        Value::String(s) => s.replace("&lt;", "<"),
        Value::Array(items) => items.iter().map(name_of).collect::<Vec<_>>().join(", "),
        Value::Object(_) => name_of(v),
        other => other.to_string(),
    };
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn name_of(v: &Value) -> String {
    v.get("name")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
}

impl Records {
    fn project_records(&self, project: i64) -> BTreeMap<String, Vec<i64>> {
        let mut out: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for (t, table) in self.tables() {
            for (id, row) in &table.rows {
                let in_project = row
                    .fields
                    .get("project")
                    .and_then(|l| l.get("id"))
                    .and_then(Value::as_i64)
                    == Some(project);
                if !row.retired && in_project {
                    out.entry(t.clone()).or_default().push(*id);
                }
            }
        }
        out
    }

    fn entity_node(&self, path: &str, t: &str, id: i64, has_children: bool) -> Value {
        node(
            self.name_of(t, id),
            path.to_string(),
            "entity",
            json!({"type": t, "id": id}),
            has_children,
        )
    }

    pub(crate) fn nav_expand(&self, p: &NavExpandParams) -> Result<Value, Exception> {
        let m = "nav_expand";
        let path = p.path.as_str();
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let missing = || bad(format!("API {m}(): no node at `{path}`"));
        match parts[..] {
            [] => {
                let projects: Vec<Value> = self
                    .tables()
                    .get("Project")
                    .map(|t| {
                        t.rows
                            .iter()
                            .filter(|(_, r)| !r.retired)
                            .map(|(id, _)| *id)
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
                    .into_iter()
                    .map(|id| self.entity_node(&format!("/Project/{id}"), "Project", id, true))
                    .collect();
                Ok(
                    json!({"label": "Projects", "path": "/", "ref": {"kind": "root", "value": null},
                          "has_children": !projects.is_empty(), "children": projects}),
                )
            }
            ["Project", id] => {
                let id: i64 = id.parse().map_err(|_| missing())?;
                if !self.is_live("Project", id) {
                    return Err(missing());
                }
                let children: Vec<Value> = self
                    .project_records(id)
                    .keys()
                    .map(|t| {
                        let label = self.schema().entities[t]
                            .display_name()
                            .unwrap_or(t)
                            .to_string();
                        node(
                            label.into(),
                            format!("/Project/{id}/{t}"),
                            "entity_type",
                            t.clone().into(),
                            true,
                        )
                    })
                    .collect();
                let mut n = self.entity_node(path, "Project", id, !children.is_empty());
                n["children"] = children.into();
                Ok(n)
            }
            ["Project", id, t] => {
                let id: i64 = id.parse().map_err(|_| missing())?;
                let records = self.project_records(id).remove(t).ok_or_else(missing)?;
                let label = self.schema().entities[t]
                    .display_name()
                    .unwrap_or(t)
                    .to_string();
                let children: Vec<Value> = records
                    .into_iter()
                    .map(|rid| self.entity_node(&format!("/Project/{id}/{t}/{rid}"), t, rid, false))
                    .collect();
                let mut n = node(
                    label.into(),
                    path.to_string(),
                    "entity_type",
                    t.into(),
                    true,
                );
                n["children"] = children.into();
                Ok(n)
            }
            _ => Err(missing()),
        }
    }

    pub(crate) fn nav_search(&self, p: &NavSearchParams) -> Result<Value, Exception> {
        let m = "nav_search";
        let root = p.root_path.as_str();
        let project: Option<i64> = match root
            .split('/')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()[..]
        {
            [] => None,
            ["Project", id, ..] => Some(
                id.parse()
                    .map_err(|_| bad(format!("API {m}(): bad root_path `{root}`")))?,
            ),
            _ => return Err(bad(format!("API {m}(): bad root_path `{root}`"))),
        };
        let criteria = &p.search_criteria;
        let projects: Vec<i64> = match project {
            Some(id) => vec![id],
            None => self
                .tables()
                .get("Project")
                .map(|t| t.rows.keys().copied().collect())
                .unwrap_or_default(),
        };
        let text = criteria
            .get("search_string")
            .and_then(Value::as_str)
            .map(str::to_lowercase);
        let wanted = criteria.get("entity").map(|e| {
            (
                e["type"].as_str().unwrap_or("").to_string(),
                e["id"].as_i64(),
            )
        });
        let mut out = Vec::new();
        for pid in projects {
            for (t, ids) in self.project_records(pid) {
                for id in ids {
                    let hit = match (&text, &wanted) {
                        (Some(s), _) => self
                            .name_of(&t, id)
                            .as_str()
                            .unwrap_or("")
                            .to_lowercase()
                            .contains(s.as_str()),
                        (None, Some((wt, wid))) => *wt == t && *wid == Some(id),
                        (None, None) => false,
                    };
                    if hit {
                        let path = format!("/Project/{pid}/{t}/{id}");
                        let mut n = self.entity_node(&path, &t, id, false);
                        n["incremental_path"] = json!([
                            "/",
                            format!("/Project/{pid}"),
                            format!("/Project/{pid}/{t}"),
                            path
                        ]);
                        out.push(n);
                    }
                }
            }
        }
        if text.is_none() && wanted.is_none() {
            return Err(bad(format!(
                "API {m}(): search_criteria needs `search_string` or `entity`"
            )));
        }
        Ok(Value::Array(out))
    }

    pub(crate) fn export_page(
        &self,
        p: &ExportPageParams,
        pages: &BTreeMap<i64, Page>,
    ) -> Result<String, Exception> {
        let m = "export_page";
        if p.format != "csv" {
            return Err(bad(format!("API {m}(): the only format is `csv`")));
        }
        let id = p.page_id;
        let page = pages.get(&id).ok_or_else(|| {
            bad(format!(
                "API {m}(): page {id} does not exist or is not API-exportable"
            ))
        })?;
        let columns = match p.layout_name.as_deref() {
            None => {
                &page
                    .layouts
                    .first()
                    .ok_or_else(|| bad(format!("API {m}(): page {id} has no layout")))?
                    .1
            }
            Some(name) => {
                &page
                    .layouts
                    .iter()
                    .find(|(n, _)| n == name)
                    .ok_or_else(|| bad(format!("API {m}(): page {id} has no layout `{name}`")))?
                    .1
            }
        };
        let mut csv = String::new();
        let header: Vec<String> = columns
            .iter()
            .map(|c| {
                let name = self
                    .schema()
                    .field(&page.entity_type, c)
                    .map_or(c.as_str(), |f| f.display_name());
                cell(&Value::String(name.to_string()))
            })
            .collect();
        csv.push_str(&header.join(","));
        csv.push('\n');
        for (rid, row) in self
            .tables()
            .get(&page.entity_type)
            .map(|t| &t.rows)
            .into_iter()
            .flatten()
        {
            if row.retired {
                continue;
            }
            let cells: Vec<String> = columns
                .iter()
                .map(|c| {
                    let v = row.fields.get(c).cloned().unwrap_or(Value::Null);
                    let v = self.value_out(
                        self.schema()
                            .field(&page.entity_type, c)
                            .map_or("text", |f| f.data_type()),
                        &v,
                    );
                    if c == "id" {
                        rid.to_string()
                    } else {
                        cell(&v)
                    }
                })
                .collect();
            csv.push_str(&cells.join(","));
            csv.push('\n');
        }
        Ok(csv)
    }
}

impl Handler<NavExpand> for Call<'_> {
    fn handle(&mut self, p: NavExpandParams) -> Result<Value, Exception> {
        self.state.records.nav_expand(&p)
    }
}

impl Handler<NavSearch> for Call<'_> {
    fn handle(&mut self, p: NavSearchParams) -> Result<Value, Exception> {
        self.state.records.nav_search(&p)
    }
}

impl Handler<ExportPage> for Call<'_> {
    fn handle(&mut self, p: ExportPageParams) -> Result<String, Exception> {
        self.state.records.export_page(&p, &self.site.pages)
    }
}

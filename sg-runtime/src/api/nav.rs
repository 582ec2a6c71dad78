//! Page export and the navigation hierarchy: `export_page`, `nav_expand`, `nav_search_string`
//! and `nav_search_entity` (both sent as `nav_search`). Wire shapes in `sg_api3::methods::nav`;
//! the local site's side in `sg-localsite/src/api/nav.rs`.

use crate::client::Client;
use crate::error::Result;
use crate::value::{EntityRef, WireValue};
use serde_json::{json, Value};
use sg_api3::methods::nav::{ExportPageParams, NavExpandParams, NavSearchParams};
use sg_api3::methods::{ExportPage, NavExpand, NavSearch};

impl Client {
    /// `export_page`: the records of page `page_id` (marked API-exportable on the site) as text
    /// in `format` (`csv`), with the columns of layout `layout_name` or the page's default.
    /// The official client's `export_page`.
    pub fn export_page(
        &self,
        page_id: i64,
        format: &str,
        layout_name: Option<&str>,
    ) -> Result<String> {
        self.call_method::<ExportPage>(ExportPageParams {
            format: format.to_string(),
            page_id,
            layout_name: layout_name.map(str::to_owned),
        })
    }

    /// `nav_expand`: a node of the site's navigation hierarchy (`/`, `/Project/65`,
    /// `/Project/65/Shot`) with its children. Experimental on sites (the official client
    /// discourages it); sent as the official client's `nav_expand` sends it.
    pub fn nav_expand(
        &self,
        path: &str,
        seed_entity_field: Option<&Value>,
        entity_fields: Option<&Value>,
    ) -> Result<Value> {
        self.call_method::<NavExpand>(NavExpandParams {
            path: path.to_string(),
            seed_entity_field: seed_entity_field.cloned(),
            entity_fields: entity_fields.cloned(),
        })
    }

    /// Searches the navigation hierarchy under `root_path` for nodes whose name contains
    /// `search_string` (sent as `nav_search`). The official client's `nav_search_string`.
    pub fn nav_search_string(
        &self,
        root_path: &str,
        search_string: &str,
        seed_entity_field: Option<&Value>,
    ) -> Result<Value> {
        self.nav_search(
            root_path,
            json!({"search_string": search_string}),
            seed_entity_field,
        )
    }

    /// Finds `entity` in the navigation hierarchy under `root_path` (sent as `nav_search`).
    /// The official client's `nav_search_entity`.
    pub fn nav_search_entity(
        &self,
        root_path: &str,
        entity: &EntityRef,
        seed_entity_field: Option<&Value>,
    ) -> Result<Value> {
        self.nav_search(
            root_path,
            json!({"entity": entity.to_wire()}),
            seed_entity_field,
        )
    }

    /// `nav_search` with these `search_criteria`.
    fn nav_search(
        &self,
        root_path: &str,
        search_criteria: Value,
        seed_entity_field: Option<&Value>,
    ) -> Result<Value> {
        self.call_method::<NavSearch>(NavSearchParams {
            root_path: root_path.to_string(),
            seed_entity_field: seed_entity_field.cloned(),
            search_criteria,
        })
    }
}

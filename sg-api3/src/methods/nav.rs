//! Page export and the navigation hierarchy: `export_page`, `nav_expand`, `nav_search`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `export_page`'s params.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportPageParams {
    /// The format (`csv`).
    pub format: String,
    /// The page.
    pub page_id: i64,
    /// The layout (the page's default when none).
    #[serde(default)]
    pub layout_name: Option<String>,
}

/// `nav_expand`'s params.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NavExpandParams {
    /// The node (`/`, `/Project/65`, `/Project/65/Shot`).
    pub path: String,
    /// As the official client sends it.
    #[serde(default)]
    pub seed_entity_field: Option<Value>,
    /// As the official client sends it.
    #[serde(default)]
    pub entity_fields: Option<Value>,
}

/// `nav_search`'s params.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NavSearchParams {
    /// Where the search starts.
    pub root_path: String,
    /// As the official client sends it.
    #[serde(default)]
    pub seed_entity_field: Option<Value>,
    /// `{"search_string": ...}` (`nav_search_string`) or `{"entity": {type, id}}`
    /// (`nav_search_entity`).
    pub search_criteria: Value,
}

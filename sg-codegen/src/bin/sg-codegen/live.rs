//! Reading a schema from a live site, through sg-runtime's client (the workspace's one HTTP
//! stack).

use crate::CliError;
use serde_json::{Map, Value};
use sg_runtime::schema::Schema;
use sg_runtime::Client;

/// How to read the fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fetch {
    /// One `schema_read` for every field of every entity.
    Whole,
    /// One `schema_field_read` per entity type, for sites whose whole schema is too large for
    /// one call.
    PerEntity,
}

/// Reads `schema_entity_read`, then the fields as `fetch` says. With `progress`, shows a
/// progress bar on stderr (per entity type).
pub fn fetch_schema(client: &Client, fetch: Fetch, progress: bool) -> Result<Schema, CliError> {
    let site = client.site().to_string();
    let live = |source| CliError::Live {
        site: site.clone(),
        source: Box::new(source),
    };
    let entities = client.schema_entity_read(None).map_err(live)?;
    let fields = match fetch {
        Fetch::Whole => {
            let bar = progress.then(|| spinner("schema_read"));
            let v = client.schema_read(None).map_err(live)?;
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            v
        }
        Fetch::PerEntity => {
            let names: Vec<String> = entities
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            let bar = if progress {
                let b = indicatif::ProgressBar::new(names.len() as u64);
                b.set_style(
                    indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                b
            } else {
                indicatif::ProgressBar::hidden()
            };
            let mut all = Map::new();
            for name in &names {
                bar.set_message(name.clone());
                let f = client.schema_field_read(name, None, None).map_err(live)?;
                all.insert(name.clone(), f);
                bar.inc(1);
            }
            bar.finish_and_clear();
            Value::Object(all)
        }
    };
    Ok(Schema::from_parts(entities, fields)?)
}

fn spinner(msg: &'static str) -> indicatif::ProgressBar {
    let b = indicatif::ProgressBar::new_spinner();
    b.set_message(msg);
    b.enable_steady_tick(std::time::Duration::from_millis(120));
    b
}

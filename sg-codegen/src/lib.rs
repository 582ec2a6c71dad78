//! Typed Rust bindings from a ShotGrid site's schema.
//!
//! The pipeline: a schema (a snapshot file, or one the `sg-codegen` command read from a live
//! site) -> [`sg_api3::schema::Schema`] -> [`model::Model`] (every name and type decided once)
//! -> Rust text, written by one printer with its own indentation (`emit/`) -> files, written
//! only when their bytes change.
//!
//! # From `build.rs`
//!
//! ```no_run
//! // build.rs, in `fn main()`:
//! sg_codegen::Builder::new()
//!     .snapshot("schema/studio.json")
//!     .compile()
//!     .unwrap_or_else(|e| panic!("{e}"));
//! ```
//!
//! ```ignore
//! // src/lib.rs
//! pub mod sg {
//!     include!(concat!(env!("OUT_DIR"), "/sg_bindings.rs"));
//! }
//! ```
//!
//! The crate that includes the bindings depends on `sg-runtime` (generated code names it as
//! `::sg_runtime` unless [`Builder::runtime_path`] says otherwise).

pub mod diff;
pub mod emit;
pub mod model;
pub mod names;
mod write;

pub use diff::{schema_diff, SchemaChange};
pub use emit::GeneratedFile;
pub use write::{check_files, write_files, FileCheck, WriteReport};

use sg_api3::schema::{Schema, SchemaError};
use std::path::{Path, PathBuf};

/// How the bindings are laid out on disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// `mod.rs` plus one file per entity: for a module directory of your crate (`--out src/sg`).
    #[default]
    Files,
    /// One file with inline modules: for `include!` from `OUT_DIR`.
    SingleFile,
}

/// Generation options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Only these entity types (all when empty).
    pub only: Vec<String>,
    /// Not these entity types.
    pub exclude: Vec<String>,
    /// Gate each entity's module behind a cargo feature named after the module (`shot`,
    /// `custom_entity01`, ...), so a program compiles only the entities it enables.
    pub entity_features: bool,
    /// Generate an enum per `list`/`status_list` field (with a catch-all); else `String`.
    pub list_enums: bool,
    /// The path generated code names the runtime crate by.
    pub runtime_path: String,
    /// The layout.
    pub layout: Layout,
    /// The file name in [`Layout::SingleFile`].
    pub file_name: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            only: Vec::new(),
            exclude: Vec::new(),
            entity_features: false,
            list_enums: true,
            runtime_path: "::sg_runtime".into(),
            layout: Layout::Files,
            file_name: "sg_bindings.rs".into(),
        }
    }
}

/// What can go wrong generating bindings.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// The schema could not be read.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// A file could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The options do not fit the schema, or the configuration is wrong.
    #[error("{0}")]
    Invalid(String),
}

/// The generated files of one schema, in memory.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The files, `mod.rs` first in [`Layout::Files`].
    pub files: Vec<GeneratedFile>,
    /// The number of entity types.
    pub entities: usize,
    /// The number of fields.
    pub fields: usize,
    /// What the generator worked around (unknown data types, ...).
    pub warnings: Vec<String>,
}

/// Generates the bindings of `schema` in memory.
pub fn generate(schema: &Schema, options: &Options) -> Result<Generated, CodegenError> {
    let model = model::Model::build(schema, options).map_err(CodegenError::Invalid)?;
    let files = emit::emit(&model, options).map_err(CodegenError::Invalid)?;
    Ok(Generated {
        files,
        entities: model.entities.len(),
        fields: model.field_count(),
        warnings: model.warnings,
    })
}

/// The `[features]` table a bindings crate declares for [`Options::entity_features`].
pub fn features_table(schema: &Schema, options: &Options) -> Result<String, CodegenError> {
    let model = model::Model::build(schema, options).map_err(CodegenError::Invalid)?;
    let mut s = String::from("[features]\n");
    s.push_str(&format!(
        "all-entities = [{}]\n",
        model
            .entities
            .iter()
            .map(|e| format!("\"{}\"", e.module))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for e in &model.entities {
        s.push_str(&format!("{} = []\n", e.module));
    }
    Ok(s)
}

/// A short label for a schema file in messages: its name, or its folder's for a pair.
pub fn source_label(path: &Path) -> String {
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    match (path.is_dir(), name(path)) {
        (true, Some(dir)) => format!("{dir}/schema_read.json"),
        (_, Some(n)) => n,
        _ => "a schema".into(),
    }
}

/// Generates bindings from `build.rs` (in the spirit of `prost_build::Config`).
#[derive(Clone, Debug)]
pub struct Builder {
    snapshot: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    options: Options,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// A builder with the single-file layout (`sg_bindings.rs`), written to `OUT_DIR`.
    pub fn new() -> Builder {
        Builder {
            snapshot: None,
            out_dir: None,
            options: Options {
                layout: Layout::SingleFile,
                ..Options::default()
            },
        }
    }

    /// The schema: a snapshot file, or a folder with `schema_read.json` and
    /// `schema_entity_read.json`. Relative paths are from the crate root (where build.rs runs).
    pub fn snapshot(mut self, path: impl Into<PathBuf>) -> Builder {
        self.snapshot = Some(path.into());
        self
    }

    /// Where the files go (default: `OUT_DIR`).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Builder {
        self.out_dir = Some(dir.into());
        self
    }

    /// Only these entity types.
    pub fn only<S: Into<String>>(mut self, entities: impl IntoIterator<Item = S>) -> Builder {
        self.options.only = entities.into_iter().map(Into::into).collect();
        self
    }

    /// Not these entity types.
    pub fn exclude<S: Into<String>>(mut self, entities: impl IntoIterator<Item = S>) -> Builder {
        self.options.exclude = entities.into_iter().map(Into::into).collect();
        self
    }

    /// One cargo feature per entity (see [`Options::entity_features`]).
    pub fn entity_features(mut self, on: bool) -> Builder {
        self.options.entity_features = on;
        self
    }

    /// Enums for list fields (default on).
    pub fn list_enums(mut self, on: bool) -> Builder {
        self.options.list_enums = on;
        self
    }

    /// The path generated code names the runtime by (default `::sg_runtime`).
    pub fn runtime_path(mut self, path: impl Into<String>) -> Builder {
        self.options.runtime_path = path.into();
        self
    }

    /// The layout (default [`Layout::SingleFile`]).
    pub fn layout(mut self, layout: Layout) -> Builder {
        self.options.layout = layout;
        self
    }

    /// The file name in the single-file layout (default `sg_bindings.rs`).
    pub fn file_name(mut self, name: impl Into<String>) -> Builder {
        self.options.file_name = name.into();
        self
    }

    /// Generates in memory.
    pub fn generate(&self) -> Result<Generated, CodegenError> {
        let path = self.snapshot.as_ref().ok_or_else(|| {
            CodegenError::Invalid("Builder: no snapshot given; call `.snapshot(path)`".into())
        })?;
        let schema = Schema::load(path)?;
        generate(&schema, &self.options)
    }

    /// Generates and writes the files (only those whose bytes change), and tells cargo to rerun
    /// the build script when the snapshot changes. Call it from `build.rs`.
    pub fn compile(&self) -> Result<WriteReport, CodegenError> {
        let generated = self.generate()?;
        let out = match &self.out_dir {
            Some(d) => d.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| {
                    CodegenError::Invalid(
                        "OUT_DIR is not set: call compile() from build.rs, or set .out_dir()"
                            .into(),
                    )
                })?,
        };
        let report = write_files(&out, &generated.files, self.options.layout == Layout::Files)?;
        if let Some(p) = &self.snapshot {
            if p.is_dir() {
                for f in ["schema_read.json", "schema_entity_read.json"] {
                    println!("cargo:rerun-if-changed={}", p.join(f).display());
                }
            } else {
                println!("cargo:rerun-if-changed={}", p.display());
            }
        }
        for w in &generated.warnings {
            println!("cargo:warning=sg-codegen: {w}");
        }
        Ok(report)
    }
}

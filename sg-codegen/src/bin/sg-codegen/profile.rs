//! Site profiles: a small TOML file so a studio runs one command.
//!
//! ```toml
//! # sg-codegen.toml
//! [site.studio]
//! url = "https://studio.shotgrid.autodesk.com"
//! script_name = "codegen"
//! script_key_env = "STUDIO_SG_SCRIPT_KEY"   # the environment variable holding the key
//! snapshot = "schema/studio.json"           # where --save-snapshot and --check look
//! out = "studio-sg/src/generated"           # where the bindings go
//! per_entity = false
//! ```
//!
//! Relative paths are taken from the file's folder.

use serde::Deserialize;
use sg_codegen::CodegenError;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file name looked for in the current folder when `--config` is not given.
pub const DEFAULT_CONFIG: &str = "sg-codegen.toml";

/// One site's profile.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The site: a bare name or a URL.
    pub url: String,
    /// The script name.
    pub script_name: Option<String>,
    /// The environment variable holding the script key (never the key itself).
    pub script_key_env: Option<String>,
    /// The snapshot file.
    pub snapshot: Option<PathBuf>,
    /// The output folder.
    pub out: Option<PathBuf>,
    /// Read the schema one entity type at a time.
    pub per_entity: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    site: BTreeMap<String, Profile>,
}

/// Reads the profiles of `path`, with relative paths resolved against its folder.
pub fn load(path: &Path) -> Result<BTreeMap<String, Profile>, CodegenError> {
    let text = std::fs::read_to_string(path).map_err(|source| CodegenError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let file: ConfigFile = toml::from_str(&text)
        .map_err(|e| CodegenError::Invalid(format!("{}: {e}", path.display())))?;
    let base = path.parent().unwrap_or(Path::new("."));
    Ok(file
        .site
        .into_iter()
        .map(|(name, mut p)| {
            p.snapshot = p.snapshot.map(|s| base.join(s));
            p.out = p.out.map(|o| base.join(o));
            (name, p)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_resolve_paths_against_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let f = dir.join("sg-codegen.toml");
        std::fs::write(&f, "[site.studio]\nurl = \"studio\"\nscript_name = \"codegen\"\nscript_key_env = \"K\"\nsnapshot = \"s.json\"\n").unwrap();
        let p = &load(&f).unwrap()["studio"];
        assert_eq!(p.url, "studio");
        assert_eq!(p.snapshot.as_deref(), Some(dir.join("s.json").as_path()));
        std::fs::write(
            &f,
            "[site.studio]\nurl = \"studio\"\nscript_key = \"oops\"\n",
        )
        .unwrap();
        let e = load(&f).unwrap_err().to_string();
        assert!(
            e.contains("script_key") && e.contains("sg-codegen.toml"),
            "{e}"
        );
    }
}

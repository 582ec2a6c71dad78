//! `sg-codegen`: a ShotGrid schema to typed Rust bindings, from the bundled demo, a snapshot or
//! a live site.
//!
//! The command line around the `sg-codegen` library, behind the package's default `cli`
//! feature, so that a `build.rs` that depends on the library with `default-features = false`
//! compiles no argument parser, progress bar, TOML reader or HTTP stack.

mod live;
mod profile;

use clap::Parser;
use live::{fetch_schema, Fetch};
use profile::{Profile, DEFAULT_CONFIG};
use sg_codegen::{
    check_files, generate, schema_diff, source_label, write_files, CodegenError, Layout, Options,
};
use sg_runtime::schema::{Schema, SchemaError};
use sg_runtime::{Client, Credentials};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// Generate typed Rust bindings from a ShotGrid site's schema.
///
/// Reads the schema from the bundled demo (--demo), a snapshot (--snapshot) or a live site
/// (--site), and writes one Rust file per entity type plus mod.rs into --out.
#[derive(Parser, Debug)]
#[command(name = "sg-codegen", version, max_term_width = 100)]
struct Cli {
    /// Use the bundled demo schema.
    #[arg(long, conflicts_with_all = ["snapshot", "site"])]
    demo: bool,

    /// Read a snapshot file, or a folder holding schema_read.json and schema_entity_read.json.
    /// With --site, the committed snapshot that --check compares the live schema with.
    #[arg(long, value_name = "PATH")]
    snapshot: Option<PathBuf>,

    /// Read the schema live: a bare site name (studio), a URL, or a profile of the config file.
    /// Credentials come from SG_SCRIPT_NAME/SG_SCRIPT_KEY, SG_LOGIN/SG_PASSWORD or
    /// SG_SESSION_TOKEN, or from the profile.
    #[arg(long, value_name = "NAME|URL")]
    site: Option<String>,

    /// With --site: read the fields one entity type at a time (schema_field_read).
    #[arg(long)]
    per_entity: bool,

    /// With --site: also save what was read as a snapshot file.
    #[arg(long, value_name = "FILE")]
    save_snapshot: Option<PathBuf>,

    /// The output folder [default: the profile's, else sg_bindings].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// Write one file with inline modules (for include!) instead of one file per entity.
    #[arg(long)]
    single_file: bool,

    /// Only these entity types (comma-separated).
    #[arg(long, value_name = "TYPES", value_delimiter = ',')]
    only: Vec<String>,

    /// Leave out these entity types (comma-separated).
    #[arg(long, value_name = "TYPES", value_delimiter = ',')]
    exclude: Vec<String>,

    /// Gate each entity behind a cargo feature named after its module; prints the [features]
    /// table to declare.
    #[arg(long)]
    entity_features: bool,

    /// Plain String for list and status-list fields instead of generated enums.
    #[arg(long)]
    plain_lists: bool,

    /// The path generated code names the runtime crate by.
    #[arg(long, value_name = "PATH", default_value = "::sg_runtime")]
    runtime_path: String,

    /// Change nothing; exit 1 with a readable diff if the bindings in --out (or, with --site
    /// and a snapshot, the committed snapshot) differ from what the schema gives.
    #[arg(long)]
    check: bool,

    /// The profiles file [default: ./sg-codegen.toml when present].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

const DEFAULT_OUT: &str = "sg_bindings";

/// What stops a run: the generator's errors, or the live site's.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Codegen(#[from] CodegenError),
    #[error("reading the schema from {site}: {source}")]
    Live {
        site: String,
        /// Boxed: the client's error is large.
        source: Box<sg_runtime::Error>,
    },
}

/// A run whose options or configuration are wrong.
fn invalid(message: impl Into<String>) -> CliError {
    CliError::Codegen(CodegenError::Invalid(message.into()))
}

impl From<SchemaError> for CliError {
    fn from(e: SchemaError) -> CliError {
        CliError::Codegen(e.into())
    }
}

/// The outcome of a run: success, or drift found by --check.
enum Outcome {
    Done,
    Drift,
}

fn profile_for(cli: &Cli) -> Result<Option<Profile>, CliError> {
    let Some(site) = &cli.site else {
        return Ok(None);
    };
    let path = match &cli.config {
        Some(p) => p.clone(),
        None if std::path::Path::new(DEFAULT_CONFIG).is_file() => PathBuf::from(DEFAULT_CONFIG),
        None => return Ok(None),
    };
    Ok(profile::load(&path)?.remove(site))
}

fn credentials(profile: Option<&Profile>) -> Result<Credentials, CliError> {
    let from_env = |e: sg_runtime::Error| invalid(e.to_string());
    match profile.and_then(|p| p.script_key_env.as_ref()) {
        Some(var) => {
            let key = std::env::var(var).map_err(|_| {
                invalid(format!(
                    "the profile's script key variable {var} is not set"
                ))
            })?;
            let name = profile
                .and_then(|p| p.script_name.clone())
                .or_else(|| std::env::var("SG_SCRIPT_NAME").ok())
                .ok_or_else(|| invalid("the profile names a key variable but no script_name"))?;
            Ok(Credentials::script(name, key))
        }
        None => Credentials::from_env().map_err(from_env),
    }
}

fn run(cli: &Cli) -> Result<Outcome, CliError> {
    let say = |s: String| {
        if !cli.quiet {
            eprintln!("{s}");
        }
    };
    let profile = profile_for(cli)?;
    let snapshot = cli
        .snapshot
        .clone()
        .or_else(|| profile.as_ref().and_then(|p| p.snapshot.clone()));
    let out = cli
        .out
        .clone()
        .or_else(|| profile.as_ref().and_then(|p| p.out.clone()))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_OUT));

    let (schema, label, committed) = if let Some(site) = &cli.site {
        let url = profile.as_ref().map_or(site.as_str(), |p| p.url.as_str());
        let client = Client::builder(url)
            .credentials(credentials(profile.as_ref())?)
            .build()
            .map_err(|e| invalid(e.to_string()))?;
        let per_entity =
            cli.per_entity || profile.as_ref().and_then(|p| p.per_entity).unwrap_or(false);
        let fetch = if per_entity {
            Fetch::PerEntity
        } else {
            Fetch::Whole
        };
        say(format!(
            "sg-codegen: reading the schema of {}",
            client.site()
        ));
        let schema = fetch_schema(
            &client,
            fetch,
            !cli.quiet && std::io::stderr().is_terminal(),
        )?;
        // With --check, a snapshot named by the profile (or --snapshot) is what is committed.
        let committed = match (&snapshot, cli.check) {
            (Some(p), true) if p.exists() => Some(Schema::load(p)?),
            _ => None,
        };
        (schema, client.site().to_string(), committed)
    } else if let Some(p) = &snapshot {
        (Schema::load(p)?, source_label(p), None)
    } else if cli.demo {
        (Schema::demo(), "the bundled demo schema".to_string(), None)
    } else {
        return Err(invalid(
            "choose a schema: --demo, --snapshot PATH or --site NAME|URL (see --help)",
        ));
    };

    if let Some(path) = &cli.save_snapshot {
        if cli.site.is_none() {
            return Err(invalid(
                "--save-snapshot saves a live read: use it with --site",
            ));
        }
        if !cli.check {
            let text = schema.to_snapshot_string();
            write_files(
                path.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(std::path::Path::new(".")),
                &[sg_codegen::GeneratedFile {
                    name: path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    text,
                }],
                false,
            )?;
            say(format!(
                "sg-codegen: saved the snapshot to {}",
                path.display()
            ));
        }
    }

    let options = Options {
        only: cli.only.clone(),
        exclude: cli.exclude.clone(),
        entity_features: cli.entity_features,
        list_enums: !cli.plain_lists,
        runtime_path: cli.runtime_path.clone(),
        layout: if cli.single_file {
            Layout::SingleFile
        } else {
            Layout::Files
        },
        ..Options::default()
    };
    let generated = generate(&schema, &options)?;
    for w in &generated.warnings {
        say(format!("warning: {w}"));
    }
    let prune = options.layout == Layout::Files;

    if cli.check {
        let mut drift = false;
        if let Some(old) = &committed {
            let changes = schema_diff(old, &schema);
            if !changes.is_empty() {
                drift = true;
                println!(
                    "The live schema differs from the committed snapshot ({} changes):",
                    changes.len()
                );
                for c in &changes {
                    println!("  {c}");
                }
            }
        }
        let check = check_files(&out, &generated.files, prune)?;
        if !check.is_clean() {
            drift = true;
            println!(
                "The bindings in {} are not what the schema gives:",
                out.display()
            );
            for f in &check.changed {
                println!("  ~ {f} would change");
            }
            for f in &check.missing {
                println!("  + {f} is missing");
            }
            for f in &check.stale {
                println!("  - {f} would be removed");
            }
        }
        if drift {
            println!("Regenerate with the same command without --check.");
            return Ok(Outcome::Drift);
        }
        say(format!(
            "sg-codegen: {} is up to date with {label}",
            out.display()
        ));
        return Ok(Outcome::Done);
    }

    let report = write_files(&out, &generated.files, prune)?;
    say(format!(
        "sg-codegen: {} entity types, {} fields from {label} -> {} ({} files: {} written, {} unchanged, {} removed)",
        generated.entities,
        generated.fields,
        out.display(),
        generated.files.len(),
        report.written.len(),
        report.unchanged.len(),
        report.removed.len()
    ));
    if !cli.quiet {
        let names: Vec<&str> = generated.files.iter().map(|f| f.name.as_str()).collect();
        let shown = names.iter().take(8).copied().collect::<Vec<_>>().join(", ");
        let more = names.len().saturating_sub(8);
        eprintln!(
            "  files: {shown}{}",
            if more > 0 {
                format!(", ... ({more} more)")
            } else {
                String::new()
            }
        );
        if options.layout == Layout::Files {
            eprintln!("  use:   `#[path = \"{}/mod.rs\"] mod sg;` (or --out a module folder of your crate); depend on sg-runtime", out.display());
        }
    }
    if cli.entity_features {
        println!("{}", sg_codegen::features_table(&schema, &options)?);
    }
    Ok(Outcome::Done)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Drift) => ExitCode::from(1),
        Err(e) => {
            eprintln!("sg-codegen: error: {e}");
            ExitCode::from(2)
        }
    }
}

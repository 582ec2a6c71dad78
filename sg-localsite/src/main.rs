//! `sg-localsite`: serves a schema snapshot as a local api3 site until stopped, so that any api3
//! client (the official Python client included) can be tested against it.

use clap::Parser;
use sg_api3::schema::Schema;
use sg_localsite::{LocalSite, SCRIPT_NAME};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// A local ShotGrid api3 site in memory, on 127.0.0.1.
///
/// Secrets are never taken on the command line, where `ps` shows them. With no key given, the
/// site accepts the documented default key (sg_localsite::SCRIPT_KEY), which anyone can read,
/// so it refuses writes unless told --insecure.
///
/// Point a client at http://127.0.0.1:PORT with the script name and key. Stop with Ctrl-C.
#[derive(Parser, Debug)]
#[command(name = "sg-localsite", version, max_term_width = 100)]
struct Cli {
    /// Schema snapshot, or a folder with schema_read.json and schema_entity_read.json
    /// [default: the bundled demo schema].
    #[arg(long, value_name = "FILE")]
    schema: Option<PathBuf>,

    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, value_name = "N", default_value_t = 8090)]
    port: u16,

    /// Script name to accept [default: mock_script]; its key from --script-key-file or
    /// SG_LOCALSITE_SCRIPT_KEY.
    #[arg(long, value_name = "NAME")]
    script_name: Option<String>,

    /// File holding the script key to accept (its first line); or set SG_LOCALSITE_SCRIPT_KEY.
    #[arg(long, value_name = "FILE")]
    script_key_file: Option<PathBuf>,

    /// Logins to accept, one LOGIN:PASSWORD per line.
    #[arg(long, value_name = "FILE")]
    users_file: Option<PathBuf>,

    /// JSON records to load: {"Shot": [{"id": 1, "code": "sh010"}], ...}.
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,

    /// Close connections idle this long, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0, value_parser = seconds)]
    idle_timeout: f64,

    /// Answer each request this many milliseconds late, as a link to a cloud site does
    /// (requests wait side by side).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency: u64,

    /// With no key given, accept writes with the documented default key.
    #[arg(long)]
    insecure: bool,

    /// Advertise the cloud-storage upload route (served by this process).
    #[arg(long)]
    cloud_uploads: bool,

    /// Webhooks to deliver, as a site does: a JSON list of {"url", "entity_types",
    /// "operations", "fields", "project", "batched", "secret_env"}; a webhook's secret token
    /// comes from the environment variable its "secret_env" names, never from the file.
    #[arg(long, value_name = "FILE")]
    webhooks: Option<PathBuf>,
}

/// One webhook of `--webhooks`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookSpec {
    url: String,
    #[serde(default)]
    entity_types: Vec<String>,
    #[serde(default)]
    operations: Vec<String>,
    #[serde(default)]
    fields: Vec<String>,
    project: Option<i64>,
    #[serde(default)]
    batched: bool,
    secret_env: Option<String>,
}

/// The webhooks of a `--webhooks` file, their secrets read from the environment.
fn read_webhooks(path: &PathBuf) -> Result<Vec<sg_localsite::webhooks::Webhook>, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("--webhooks {shown}: {e}"))?;
    let specs: Vec<WebhookSpec> =
        serde_json::from_str(&text).map_err(|e| format!("--webhooks {shown}: {e}"))?;
    specs
        .into_iter()
        .enumerate()
        .map(|(i, w)| {
            let secret = match &w.secret_env {
                None => None,
                Some(var) => Some(std::env::var(var).map_err(|_| {
                    format!("--webhooks {shown}: webhook {i} takes its secret from {var}, which is not set")
                })?),
            };
            Ok(sg_localsite::webhooks::Webhook {
                url: w.url,
                entity_types: w.entity_types,
                operations: w.operations,
                fields: w.fields,
                project: w.project,
                secret,
                batched: w.batched,
                ..Default::default()
            })
        })
        .collect()
}

/// The environment variable that may hold the script key to accept.
const KEY_VARIABLE: &str = "SG_LOCALSITE_SCRIPT_KEY";

/// A positive, finite number of seconds.
fn seconds(s: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0)
        .ok_or_else(|| format!("takes a positive number of seconds, got `{s}`"))
}

/// The first line of `path`, trimmed: a key file's content.
fn read_secret_file(path: &PathBuf) -> Result<String, String> {
    let shown = path.display();
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("--script-key-file {shown}: {e}"))?;
    let line = text.lines().next().unwrap_or("").trim().to_string();
    if line.is_empty() {
        return Err(format!("--script-key-file {shown} is empty"));
    }
    Ok(line)
}

/// `LOGIN:PASSWORD` lines; blank lines and `#` comments skipped.
fn read_users(path: &PathBuf) -> Result<Vec<(String, String)>, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("--users-file {shown}: {e}"))?;
    let mut users = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (l, p) = line
            .split_once(':')
            .ok_or_else(|| format!("--users-file {shown}: line {} is not LOGIN:PASSWORD", n + 1))?;
        users.push((l.to_string(), p.to_string()));
    }
    Ok(users)
}

fn run(cli: Cli) -> Result<(), String> {
    let schema = match &cli.schema {
        Some(p) => Schema::load(p).map_err(|e| e.to_string())?,
        None => Schema::demo(),
    };
    let script_key = match &cli.script_key_file {
        Some(file) => Some(read_secret_file(file)?),
        None => std::env::var(KEY_VARIABLE).ok().filter(|k| !k.is_empty()),
    };
    if cli.script_name.is_some() && script_key.is_none() {
        return Err(format!(
            "--script-name needs --script-key-file (or {KEY_VARIABLE})"
        ));
    }
    let users = match &cli.users_file {
        Some(file) => read_users(file)?,
        None => Vec::new(),
    };
    let mut b = LocalSite::builder(schema)
        .port(cli.port)
        // A long-running site keeps no log of requests: memory stays flat.
        .record_requests(false)
        .cloud_uploads(cli.cloud_uploads)
        .idle_timeout(Duration::from_secs_f64(cli.idle_timeout))
        .latency(Duration::from_millis(cli.latency));
    let read_only = script_key.is_none() && users.is_empty() && !cli.insecure;
    if read_only {
        // The default key is public: anyone on this machine could write with it.
        b = b.refuse_writes(true);
    }
    let script_name = cli
        .script_name
        .clone()
        .unwrap_or_else(|| SCRIPT_NAME.to_string());
    if let Some(key) = &script_key {
        b = b
            .without_default_script()
            .script(script_name.clone(), key.clone());
    }
    for (l, p) in &users {
        b = b.user(l.clone(), p.clone());
    }
    if let Some(seed) = &cli.seed {
        let text = std::fs::read_to_string(seed).map_err(|e| format!("{}: {e}", seed.display()))?;
        let v = serde_json::from_str(&text)
            .map_err(|e| format!("{}: malformed JSON: {e}", seed.display()))?;
        b = b.seed(v);
    }
    let webhooks = match &cli.webhooks {
        Some(file) => read_webhooks(file)?,
        None => Vec::new(),
    };
    let site = b.start().map_err(|e| e.to_string())?;
    // Ctrl-C and SIGTERM stop it cleanly: dropping the site removes the files uploaded to it,
    // which would otherwise stay in the temporary folder.
    let (stop, stopped) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop.send(());
    })
    .map_err(|e| format!("cannot watch for Ctrl-C: {e}"))?;
    // The key is never printed: the caller chose it, or it is the documented default.
    let writes = if read_only {
        " (read-only: no key given; --insecure allows writes with the default key)"
    } else {
        ""
    };
    println!(
        "sg-localsite: serving {} as script `{script_name}`{writes}; Ctrl-C to stop",
        site.url()
    );
    for w in webhooks {
        let url = w.url.clone();
        let id = site.add_webhook(w);
        // Whoever read the banner may be gone: a closed stdout is no failure here.
        let _ = writeln!(
            std::io::stdout(),
            "sg-localsite: webhook {id} delivers to {url}"
        );
    }
    let _ = stopped.recv();
    drop(site);
    // Whoever read the banner may be gone: a closed stdout is no failure here.
    let _ = writeln!(std::io::stdout(), "sg-localsite: stopped");
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sg-localsite: {e}");
            ExitCode::FAILURE
        }
    }
}

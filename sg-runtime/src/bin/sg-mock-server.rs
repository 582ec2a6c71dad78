//! Serves a schema snapshot as a local api3 site until stopped, so that any api3 client (the
//! official Python client included) can be tested against it.

use sg_runtime::mock::{MockServer, SCRIPT_NAME};
use sg_runtime::schema::Schema;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const HELP: &str = "\
sg-mock-server: a local ShotGrid api3 site in memory, on 127.0.0.1

Usage: sg-mock-server [OPTIONS]

Options:
  --schema FILE           Schema snapshot, or a folder with schema_read.json and
                          schema_entity_read.json [default: the bundled demo schema]
  --port N                Port on 127.0.0.1 [default: 8090; 0 picks a free one]
  --script-name NAME      Script name to accept [default: mock_script]
  --script-key-file FILE  File holding the script key to accept (or set SG_MOCK_SCRIPT_KEY)
  --users-file FILE       Logins to accept, one LOGIN:PASSWORD per line
  --seed FILE             JSON records to load: {\"Shot\": [{\"id\": 1, \"code\": \"sh010\"}], ...}
  --idle-timeout SECONDS  Close connections idle this long [default: 30]
  --insecure              With no key given, accept writes with the documented default key
  --cloud-uploads         Advertise the cloud-storage upload route (served by this process)
  -h, --help              Print this help

Secrets are never taken on the command line, where `ps` shows them. With no key given, the
server accepts the documented default key (sg_runtime::mock::SCRIPT_KEY), which anyone can
read, so it refuses writes unless told --insecure.

Point a client at http://127.0.0.1:PORT with the script name and key. Stop with Ctrl-C.
";

struct Args {
    schema: Option<PathBuf>,
    port: u16,
    script_name: Option<String>,
    script_key: Option<String>,
    users: Vec<(String, String)>,
    seed: Option<PathBuf>,
    idle_timeout: Option<Duration>,
    insecure: bool,
    cloud_uploads: bool,
}

/// The first line of `path`, trimmed: a key file's content.
fn read_secret_file(path: &str, what: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{what} {path}: {e}"))?;
    let line = text.lines().next().unwrap_or("").trim().to_string();
    if line.is_empty() {
        return Err(format!("{what} {path} is empty"));
    }
    Ok(line)
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut a = Args {
        schema: None,
        port: 8090,
        script_name: None,
        script_key: std::env::var("SG_MOCK_SCRIPT_KEY")
            .ok()
            .filter(|k| !k.is_empty()),
        users: Vec::new(),
        seed: None,
        idle_timeout: None,
        insecure: false,
        cloud_uploads: false,
    };
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--schema" => a.schema = Some(value("--schema")?.into()),
            "--port" => {
                let v = value("--port")?;
                a.port = v
                    .parse()
                    .map_err(|_| format!("--port takes a number from 0 to 65535, got `{v}`"))?;
            }
            "--script-name" => a.script_name = Some(value("--script-name")?),
            "--script-key" | "--user" => {
                return Err(format!(
                    "{flag} is no longer taken: a secret on the command line shows in `ps`; use --script-key-file, SG_MOCK_SCRIPT_KEY or --users-file"
                ))
            }
            "--script-key-file" => {
                let path = value("--script-key-file")?;
                a.script_key = Some(read_secret_file(&path, "--script-key-file")?);
            }
            "--users-file" => {
                let path = value("--users-file")?;
                let text =
                    std::fs::read_to_string(&path).map_err(|e| format!("--users-file {path}: {e}"))?;
                for (n, line) in text.lines().enumerate() {
                    let line = line.trim();
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    let (l, p) = line.split_once(':').ok_or_else(|| {
                        format!("--users-file {path}: line {} is not LOGIN:PASSWORD", n + 1)
                    })?;
                    a.users.push((l.to_string(), p.to_string()));
                }
            }
            "--seed" => a.seed = Some(value("--seed")?.into()),
            "--idle-timeout" => {
                let v = value("--idle-timeout")?;
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0)
                    .ok_or_else(|| format!("--idle-timeout takes seconds, got `{v}`"))?;
                a.idle_timeout = Some(Duration::from_secs_f64(secs));
            }
            "--insecure" => a.insecure = true,
            "--cloud-uploads" => a.cloud_uploads = true,
            other => return Err(format!("unknown argument `{other}` (see --help)")),
        }
    }
    Ok(Some(a))
}

fn run() -> Result<(), String> {
    let Some(args) = parse(std::env::args().skip(1))? else {
        print!("{HELP}");
        return Ok(());
    };
    let schema = match &args.schema {
        Some(p) => Schema::load(p).map_err(|e| e.to_string())?,
        None => Schema::demo(),
    };
    let mut b = MockServer::builder(schema)
        .port(args.port)
        // A long-running server keeps no log of requests: memory stays flat.
        .record_requests(false)
        .cloud_uploads(args.cloud_uploads);
    if let Some(d) = args.idle_timeout {
        b = b.idle_timeout(d);
    }
    if args.script_key.is_none() && args.users.is_empty() && !args.insecure {
        // The default key is public: anyone on this machine could write with it.
        b = b.refuse_writes(true);
    }
    let script_name = args
        .script_name
        .clone()
        .unwrap_or_else(|| SCRIPT_NAME.to_string());
    if args.script_name.is_some() || args.script_key.is_some() {
        let key = args
            .script_key
            .clone()
            .ok_or("--script-name needs --script-key-file (or SG_MOCK_SCRIPT_KEY)")?;
        b = b.without_default_script().script(script_name.clone(), key);
    }
    for (l, p) in &args.users {
        b = b.user(l.clone(), p.clone());
    }
    if let Some(seed) = &args.seed {
        let text = std::fs::read_to_string(seed).map_err(|e| format!("{}: {e}", seed.display()))?;
        let v = serde_json::from_str(&text)
            .map_err(|e| format!("{}: malformed JSON: {e}", seed.display()))?;
        b = b.seed(v);
    }
    let server = b.start().map_err(|e| e.to_string())?;
    // Ctrl-C and SIGTERM stop it cleanly: dropping the server removes the files uploaded to it,
    // which would otherwise stay in the temporary folder.
    let (stop, stopped) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop.send(());
    })
    .map_err(|e| format!("cannot watch for Ctrl-C: {e}"))?;
    // The key is never printed: the caller chose it, or it is the documented default.
    let writes = if args.script_key.is_none() && args.users.is_empty() && !args.insecure {
        " (read-only: no key given; --insecure allows writes with the default key)"
    } else {
        ""
    };
    println!(
        "sg-mock-server: serving {} as script `{script_name}`{writes}; Ctrl-C to stop",
        server.url()
    );
    let _ = stopped.recv();
    drop(server);
    // Whoever read the banner may be gone: a closed stdout is no failure here.
    let _ = writeln!(std::io::stdout(), "sg-mock-server: stopped");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sg-mock-server: {e}");
            ExitCode::FAILURE
        }
    }
}

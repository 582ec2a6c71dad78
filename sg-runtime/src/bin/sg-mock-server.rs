//! Serves a schema snapshot as a local api3 site until stopped, so that any api3 client (the
//! official Python client included) can be tested against it.

use sg_runtime::mock::{MockServer, SCRIPT_NAME};
use sg_runtime::schema::Schema;
use std::path::PathBuf;
use std::process::ExitCode;

const HELP: &str = "\
sg-mock-server: a local ShotGrid api3 site in memory, on 127.0.0.1

Usage: sg-mock-server [OPTIONS]

Options:
  --schema FILE         Schema snapshot, or a folder with schema_read.json and
                        schema_entity_read.json [default: the bundled demo schema]
  --port N              Port on 127.0.0.1 [default: 8090; 0 picks a free one]
  --script-name NAME    Script name to accept [default: mock_script]
  --script-key KEY      Script key to accept (or set SG_MOCK_SCRIPT_KEY)
                        [default: the documented mock key, see sg_runtime::mock::SCRIPT_KEY]
  --user LOGIN:PASSWORD A person's login to accept (repeatable)
  --seed FILE           JSON records to load: {\"Shot\": [{\"id\": 1, \"code\": \"sh010\"}], ...}
  -h, --help            Print this help

Point a client at http://127.0.0.1:PORT with the script name and key. Stop with Ctrl-C.
";

struct Args {
    schema: Option<PathBuf>,
    port: u16,
    script_name: Option<String>,
    script_key: Option<String>,
    users: Vec<(String, String)>,
    seed: Option<PathBuf>,
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut a = Args {
        schema: None,
        port: 8090,
        script_name: None,
        script_key: std::env::var("SG_MOCK_SCRIPT_KEY").ok(),
        users: Vec::new(),
        seed: None,
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
            "--script-key" => a.script_key = Some(value("--script-key")?),
            "--user" => {
                let v = value("--user")?;
                let (l, p) = v.split_once(':').ok_or("--user takes LOGIN:PASSWORD")?;
                a.users.push((l.to_string(), p.to_string()));
            }
            "--seed" => a.seed = Some(value("--seed")?.into()),
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
    let mut b = MockServer::builder(schema).port(args.port);
    let script_name = args
        .script_name
        .clone()
        .unwrap_or_else(|| SCRIPT_NAME.to_string());
    if args.script_name.is_some() || args.script_key.is_some() {
        let key = args
            .script_key
            .clone()
            .ok_or("--script-name needs --script-key (or SG_MOCK_SCRIPT_KEY)")?;
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
    // The key is never printed: the caller chose it, or it is the documented default.
    println!(
        "sg-mock-server: serving {} as script `{script_name}`; Ctrl-C to stop",
        server.url()
    );
    loop {
        std::thread::park();
    }
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

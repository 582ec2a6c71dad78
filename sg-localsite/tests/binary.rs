//! The `sg-localsite` binary as the README runs it: serves a seeded snapshot on a port until
//! stopped, for any api3 client.

use sg_runtime::{Client, Credentials, Query};
use std::io::BufRead;
use std::process::{Command, Stdio};

/// Starts the server and reads its banner: the child, the banner and the URL it serves.
fn serve(cmd: &mut Command) -> (std::process::Child, String, String) {
    let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
    let mut banner = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut banner)
        .unwrap();
    let url = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap()
        .to_string();
    (child, banner, url)
}

#[test]
fn serves_a_seeded_snapshot_until_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let seed = dir.join("seed.json");
    std::fs::write(&seed, r#"{"Project": [{"id": 1, "name": "Demo"}], "Shot": [{"code": "sh010", "project": {"type": "Project", "id": 1}}]}"#).unwrap();
    // Secrets come from files, never the command line (`ps` shows it).
    let key_file = dir.join("key");
    std::fs::write(&key_file, "ci-key-0123456789\n").unwrap();
    let users_file = dir.join("users");
    std::fs::write(&users_file, "# login:password\nada:ada-password\n").unwrap();
    // Its own temporary folder, to see what it leaves there.
    let served = tempfile::tempdir().unwrap();
    let (mut child, banner, url) = serve(
        Command::new(env!("CARGO_BIN_EXE_sg-localsite"))
            .env("TMPDIR", served.path())
            .args(["--port", "0", "--script-name", "ci", "--script-key-file"])
            .arg(&key_file)
            .arg("--users-file")
            .arg(&users_file)
            .arg("--seed")
            .arg(&seed),
    );
    assert!(
        !banner.contains("ci-key-0123456789"),
        "the key is never printed: {banner}"
    );
    let client = Client::builder(&url)
        .credentials(Credentials::script("ci", "ci-key-0123456789"))
        .build()
        .unwrap();
    let shots = client
        .find_all(&Query::new("Shot").fields(["code", "project"]))
        .unwrap();
    assert_eq!(shots[0]["code"], "sh010");
    assert_eq!(shots[0]["project"]["name"], "Demo");
    let user = Client::builder(&url)
        .credentials(Credentials::user("ada", "ada-password"))
        .build()
        .unwrap();
    assert_eq!(user.find_all(&Query::new("Project")).unwrap().len(), 1);
    let shot = serde_json::json!({"code": "sh020"});
    let created = client
        .create("Shot", shot.as_object().unwrap(), &[])
        .expect("with a key of its own, the server takes writes");
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "notes").unwrap();
    let id = created["id"].as_i64().unwrap();
    client
        .upload("Shot", id, &notes, &Default::default())
        .unwrap();
    assert_eq!(
        std::fs::read_dir(served.path()).unwrap().count(),
        1,
        "the upload is kept"
    );
    // The default script is replaced by the one given.
    let default = Client::builder(&url)
        .credentials(Credentials::script(
            sg_localsite::SCRIPT_NAME,
            sg_localsite::SCRIPT_KEY,
        ))
        .build()
        .unwrap();
    assert_eq!(
        default
            .find_all(&Query::new("Shot"))
            .unwrap_err()
            .error_code(),
        Some(102)
    );
    // SIGTERM (as Ctrl-C) stops it cleanly, and its uploads go with it.
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    if term.is_ok_and(|s| s.success()) {
        assert!(child.wait().unwrap().success());
        let left: Vec<_> = std::fs::read_dir(served.path()).unwrap().collect();
        assert!(left.is_empty(), "stopped, it left {left:?}");
    } else {
        eprintln!("SKIPPED the clean-stop check: no `kill` command to send SIGTERM");
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

#[test]
fn help_and_bad_arguments() {
    let help = Command::new(env!("CARGO_BIN_EXE_sg-localsite"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("--seed <FILE>"), "{text}");
    let version = Command::new(env!("CARGO_BIN_EXE_sg-localsite"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("sg-localsite 0."));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let users = dir.join("users");
    std::fs::write(&users, "nocolon\n").unwrap();
    let users = users.to_str().unwrap();
    // Arguments that do not parse: a usage error (exit 2). A secret on the command line, where
    // `ps` shows it, is no argument at all.
    for args in [
        &["--port", "x"][..],
        &["--bogus"],
        &["--script-key", "on-the-command-line"],
        &["--user", "ada:visible"],
        &["--idle-timeout", "-1"],
        &["--idle-timeout=0"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_sg-localsite"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(
            !err.contains("on-the-command-line") && !err.contains("visible"),
            "a refused secret is not echoed: {err}"
        );
    }
    // Arguments that parse but cannot be served: exit 1, said by the site.
    for args in [
        &["--schema", "/nonexistent.json"][..],
        &["--users-file", users],
        &["--script-key-file", "/nonexistent"],
        &["--script-name", "ci"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_sg-localsite"))
            .args(args)
            .env_remove("SG_LOCALSITE_SCRIPT_KEY")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).starts_with("sg-localsite: "),
            "{args:?}"
        );
    }
}

#[test]
fn without_a_key_of_its_own_it_refuses_writes_unless_insecure() {
    for insecure in [false, true] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sg-localsite"));
        cmd.args(["--port", "0"])
            .env_remove("SG_LOCALSITE_SCRIPT_KEY");
        if insecure {
            cmd.arg("--insecure");
        }
        let (mut child, banner, url) = serve(&mut cmd);
        assert_eq!(banner.contains("read-only"), !insecure, "{banner}");
        let client = Client::builder(&url)
            .credentials(Credentials::script(
                sg_localsite::SCRIPT_NAME,
                sg_localsite::SCRIPT_KEY,
            ))
            .build()
            .unwrap();
        assert!(
            client.find_all(&Query::new("Shot")).is_ok(),
            "reads are served"
        );
        let shot = serde_json::json!({"code": "sh010"});
        let created = client.create("Shot", shot.as_object().unwrap(), &[]);
        if insecure {
            assert!(created.is_ok(), "{created:?}");
        } else {
            let e = created.unwrap_err();
            assert_eq!(e.error_code(), Some(104), "{e}");
            assert!(e.to_string().contains("read-only"), "{e}");
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

#[test]
fn the_command_registers_webhooks_from_a_file_with_secrets_from_the_environment() {
    use std::io::{Read, Write};
    let tmp = tempfile::tempdir().unwrap();
    let consumer = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hooks = tmp.path().join("webhooks.json");
    std::fs::write(
        &hooks,
        format!(
            r#"[{{"url": "http://{}/hook", "entity_types": ["Shot"], "operations": ["create"], "secret_env": "HOOK_SECRET"}}]"#,
            consumer.local_addr().unwrap()
        ),
    )
    .unwrap();
    let (mut child, banner, url) = serve(
        Command::new(env!("CARGO_BIN_EXE_sg-localsite"))
            .env("HOOK_SECRET", "hook-token-42")
            .args(["--port", "0", "--insecure", "--webhooks"])
            .arg(&hooks),
    );
    assert!(!banner.contains("hook-token-42"));
    let client = Client::builder(&url)
        .credentials(Credentials::script(
            sg_localsite::SCRIPT_NAME,
            sg_localsite::SCRIPT_KEY,
        ))
        .build()
        .unwrap();
    let shot = serde_json::json!({"code": "sh030"});
    client
        .create("Shot", shot.as_object().unwrap(), &[])
        .unwrap();
    let (mut conn, _) = consumer.accept().unwrap();
    conn.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut request = vec![0u8; 64 * 1024];
    let n = conn.read(&mut request).unwrap();
    let request = String::from_utf8_lossy(&request[..n]).to_lowercase();
    let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    assert!(request.starts_with("post /hook"), "{request}");
    assert!(
        request.contains("x-sg-signature: sha1="),
        "signed: {request}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    // A secret variable that is not set is an error, not an unsigned webhook.
    let out = Command::new(env!("CARGO_BIN_EXE_sg-localsite"))
        .env_remove("HOOK_SECRET")
        .args(["--port", "0", "--webhooks"])
        .arg(&hooks)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("HOOK_SECRET"));
}

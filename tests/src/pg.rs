//! A PostgreSQL server of a test's (or a benchmark's) own: `initdb` and `pg_ctl` in a temporary folder, on a free
//! loopback port, as the `postgres` user when the tests run as root (the server refuses root).
//! Where PostgreSQL is not installed, [`Pg::start`] says so and returns `None`: the test prints
//! that it skipped (`.ci/run` installs it, so CI runs them all).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running server, stopped (immediately) and removed when dropped.
pub struct Pg {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_postgres: bool,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

/// Where `initdb` and `pg_ctl` are: `SG_PG_BIN`, the PATH, or Debian's folders.
fn bin_dir() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("SG_PG_BIN") {
        return Some(PathBuf::from(d));
    }
    // A link on the PATH (Debian's `/usr/local/bin/initdb`) leads to the folder of all the tools.
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
            .and_then(|d| {
                Some(
                    std::fs::canonicalize(d.join("initdb"))
                        .ok()?
                        .parent()?
                        .to_path_buf(),
                )
            })
    });
    on_path.or_else(|| {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| Some(e.ok()?.path().join("bin")))
            .filter(|b| b.join("initdb").is_file())
            .collect();
        versions.sort();
        versions.pop()
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Pg {
    /// Starts a server, or says why not and returns `None`.
    pub fn start(test: &str) -> Option<Pg> {
        let Some(bin) = bin_dir() else {
            println!("{test}: skipped: PostgreSQL is not installed (initdb, pg_ctl); .ci/run installs it");
            return None;
        };
        let as_postgres = is_root();
        // The server's user must reach its folder: a temporary folder of root's may be closed.
        let base = std::env::temp_dir();
        let open = std::fs::metadata(&base)
            .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o001 != 0)
            .unwrap_or(false);
        let base = if as_postgres && !open {
            PathBuf::from("/tmp")
        } else {
            base
        };
        let dir = tempfile::Builder::new()
            .prefix("sg-pg-")
            .tempdir_in(base)
            .expect("a temporary folder");
        if as_postgres {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown to postgres failed");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pg = Pg {
            dir,
            bin,
            as_postgres,
            port,
        };
        pg.run(
            "initdb",
            &[
                "-D",
                &pg.data().display().to_string(),
                "-U",
                "sg",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        pg.ctl_start();
        Some(pg)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `postgres://sg@127.0.0.1:PORT/postgres`
    pub fn url(&self) -> String {
        format!("postgres://sg@127.0.0.1:{}/postgres", self.port)
    }

    fn run(&self, tool: &str, args: &[&str]) -> bool {
        let exe = self.bin.join(tool);
        let mut c = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = c
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|e| panic!("{tool}: {e}"));
        if !out.status.success() {
            panic!(
                "{tool} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        true
    }

    fn ctl_start(&self) {
        let sock = self.dir.path().display().to_string();
        let opts = format!(
            "-p {} -k {sock} -c listen_addresses=127.0.0.1 -c max_connections=200",
            self.port
        );
        let log = self.dir.path().join("log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-l",
                &log,
                "-o",
                &opts,
                "-w",
                "start",
            ],
        );
    }

    /// Stops the server at once (as a crash would: no checkpoint) and starts it again.
    pub fn restart(&self) {
        self.stop();
        self.ctl_start();
    }

    fn stop(&self) {
        let data = self.data().display().to_string();
        let _ = std::panic::catch_unwind(|| {
            self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"])
        });
    }

    /// The server's folder (its data, socket and log).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A new, empty database on the server; returns its URL.
    pub fn database(&self, name: &str) -> String {
        let sock = self.dir.path().display().to_string();
        let port = self.port.to_string();
        self.run("createdb", &["-h", &sock, "-p", &port, "-U", "sg", name]);
        format!("postgres://sg@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        self.stop();
    }
}

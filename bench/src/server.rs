//! The release server as an operator runs it: its own data directory and
//! port, the CLI for loading data, SIGTERM to stop. The database is read
//! with the sqlite3 CLI (psql for PostgreSQL), independently of the
//! server's code.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use tokio::{io::AsyncWriteExt, process::Command};

use crate::http::{Client, Error};

/// Password of every synthetic holder.
pub const PASSWORD: &str = "Bench#2026pw";
const BINARY: &str = "target/release/server";

pub struct Server {
    /// The release binary: the demo build, or the production one (`with_binary`).
    binary: PathBuf,
    pub data_dir: PathBuf,
    pub addr: SocketAddr,
    env: Vec<(String, String)>,
    /// Run pinned to one core (`taskset -c 0`).
    one_core: bool,
    child: Option<tokio::process::Child>,
}

impl Server {
    /// A server on a fresh data directory (a previous one is removed).
    pub fn fresh(name: &str, port: u16) -> Result<Server, Error> {
        let data_dir = PathBuf::from("target/bench").join(name);
        if data_dir.exists() {
            std::fs::remove_dir_all(&data_dir)?;
        }
        std::fs::create_dir_all(&data_dir)?;
        Ok(Server {
            binary: BINARY.into(),
            data_dir,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            env: vec![],
            one_core: false,
            child: None,
        })
    }

    pub fn with_env(mut self, key: &str, value: &str) -> Server {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn with_binary(mut self, binary: &str) -> Server {
        self.binary = binary.into();
        self
    }

    pub fn on_one_core(mut self) -> Server {
        self.one_core = true;
        self
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = if self.one_core {
            let mut c = Command::new("taskset");
            c.args(["-c", "0"]).arg(&self.binary);
            c
        } else {
            Command::new(&self.binary)
        };
        command.args(args);
        self.environment(command)
    }

    /// The environment every process of this server runs with: its data
    /// directory and address, generous throttles, and `with_env`'s settings last.
    fn environment(&self, mut command: Command) -> Command {
        let base = format!("http://{}", self.addr);
        command
            .env("ECERT_DATA_DIR", &self.data_dir)
            .env("ECERT_SEED_DEMO", "false")
            .env("LEPTOS_SITE_ADDR", self.addr.to_string())
            .env("ECERT_PUBLIC_BASE_URL", base)
            // One client address for every virtual user: the throttles are
            // tested in server/tests, not measured here.
            .env("ECERT_LOGIN_PER_MINUTE", "1000000")
            .env("ECERT_APPLICATIONS_PER_MINUTE", "1000000")
            .env("ECERT_REGISTRATIONS_PER_MINUTE", "1000000")
            .env("RUST_LOG", "warn")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .kill_on_drop(true);
        command
    }

    /// `server load-test-data …` with the synthetic holders' password.
    pub async fn load_test_data(&self, args: &[&str]) -> Result<String, Error> {
        let mut all = vec!["load-test-data"];
        all.extend_from_slice(args);
        self.run_with_password(&all, PASSWORD).await
    }

    /// `server admin create`: a portal administrator with this password.
    pub async fn create_admin(&self, username: &str, password: &str) -> Result<(), Error> {
        let args = ["admin", "create", "--username", username, "--name", "性能测试", "--role", "admin"];
        self.run_with_password(&args, password).await.map(|_| ())
    }

    /// A command that reads a password on standard input; its output.
    async fn run_with_password(&self, args: &[&str], password: &str) -> Result<String, Error> {
        let out = self.output(args, password).await?;
        if !out.status.success() {
            let command = args.iter().take(2).copied().collect::<Vec<_>>().join(" ");
            return Err(format!("{command}: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// A command given `input` and a line end on standard input, run to its
    /// end: its exit status and output, success or not.
    pub async fn output(&self, args: &[&str], input: &str) -> Result<std::process::Output, Error> {
        let mut child =
            self.command(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
        // A command that ends before reading (a refusal) closes the pipe: not an error here.
        let _ = child.stdin.take().expect("piped").write_all(format!("{input}\n").as_bytes()).await;
        Ok(child.wait_with_output().await?)
    }

    /// `server import FILE`, timed.
    pub async fn import(&self, file: &Path) -> Result<Duration, Error> {
        let started = Instant::now();
        let out = self.command(&["import", &file.display().to_string()]).output().await?;
        if !out.status.success() {
            return Err(format!("import: {}", String::from_utf8_lossy(&out.stdout)).into());
        }
        Ok(started.elapsed())
    }

    /// `server accounts import FILE`, timed; its output when it fails.
    pub async fn import_accounts(&self, file: &Path) -> Result<Duration, Error> {
        let started = Instant::now();
        let out = self.command(&["accounts", "import", &file.display().to_string()]).output().await?;
        if !out.status.success() {
            return Err(format!("accounts import: {}", String::from_utf8_lossy(&out.stdout)).into());
        }
        Ok(started.elapsed())
    }

    /// Starts `server serve`; returns how long until it answered a page.
    pub async fn start(&mut self) -> Result<Duration, Error> {
        let command = self.command(&["serve"]);
        self.start_with(command).await
    }

    /// Runs a script of scripts/ that ends by serving (scripts/demo.sh),
    /// with this server's environment; returns how long until it answered a page.
    pub async fn start_script(&mut self, script: &str) -> Result<Duration, Error> {
        let command = self.environment(Command::new(script));
        self.start_with(command).await
    }

    async fn start_with(&mut self, mut command: Command) -> Result<Duration, Error> {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.data_dir.join("server.log"))?;
        let started = Instant::now();
        let child = command.stdout(Stdio::null()).stderr(log).spawn()?;
        self.child = Some(child);
        let deadline = started + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                return Err(format!("server exited with {status}; see {}/server.log", self.data_dir.display()).into());
            }
            if let Ok(reply) = Client::new(self.addr).get("/login").await {
                if reply.status.is_success() {
                    return Ok(started.elapsed());
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Err("server did not answer within 60 s".into())
    }

    /// SIGTERM, then waits for the process to end.
    pub async fn stop(&mut self) -> Result<(), Error> {
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = child.id() {
                // SAFETY: sending a signal to our own child process.
                unsafe { libc::kill(pid as i32, libc::SIGTERM) };
            }
            tokio::time::timeout(Duration::from_secs(30), child.wait()).await??;
        }
        Ok(())
    }

    /// The server's process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(|c| c.id())
    }

    /// SIGKILL: the process ends at once, as in a crash or a lost machine.
    pub async fn kill(&mut self) -> Result<(), Error> {
        if let Some(mut child) = self.child.take() {
            child.kill().await?;
        }
        Ok(())
    }

    /// One number from the database.
    pub async fn sql_number(&self, query: &str) -> Result<i64, Error> {
        let text = self.sql(query).await?;
        text.trim().parse().map_err(|_| format!("{query:?}: {text:?}").into())
    }

    /// A query's rows, one per line: the sqlite3 CLI on the data
    /// directory's file, or psql when the server was given a PostgreSQL URL.
    pub async fn sql(&self, query: &str) -> Result<String, Error> {
        let postgres = self.env.iter().find(|(k, v)| k == "ECERT_DATABASE_URL" && v.starts_with("postgres"));
        let out = match postgres {
            Some((_, url)) => Command::new("psql").args([url.as_str(), "-Atc", query]).output().await?,
            None => Command::new("sqlite3").arg(self.data_dir.join("ecert.db")).arg(query).output().await?,
        };
        if !out.status.success() {
            return Err(format!("{query:?}: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

//! Child processes of the harness: the back end, the baseline server, the
//! load generator and the peer verifiers, each pinned to one core.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};

use crate::org::{EVENT_HOOK_SECRET, SSWS_TOKEN, wait_until_ready};

/// Core of the measured server or verifier.
pub const SERVER_CORE: &str = "1";
/// Core of the load generator.
pub const CLIENT_CORE: &str = "0";

/// A child process that is killed when dropped, so a failed run leaves
/// nothing behind.
pub struct Child {
    name: String,
    child: std::process::Child,
}

impl Child {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Returns the resident set size of the process, in KiB (`VmRSS`).
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .with_context(|| format!("reading /proc status of {}", self.name))?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| anyhow!("no VmRSS line for {}", self.name))
    }
}

impl Child {
    /// Returns the CPU time the process has used so far (user plus
    /// system, all threads), in seconds.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()))
            .with_context(|| format!("reading /proc stat of {}", self.name))?;
        // The command name may contain spaces, so count fields after its ')'.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        // utime and stime are fields 14 and 15 of proc(5), 12th and 13th after ')'.
        let ticks = |index: usize| -> anyhow::Result<f64> {
            fields
                .get(index)
                .and_then(|value| value.parse::<f64>().ok())
                .ok_or_else(|| anyhow!("no CPU time field {index} in /proc stat of {}", self.name))
        };
        Ok((ticks(11)? + ticks(12)?) / clock_ticks_per_second())
    }
}

/// Returns the kernel's clock ticks per second (`getconf CLK_TCK`), 100
/// when it cannot be read (the value on Linux for x86-64 and arm64).
fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|output| String::from_utf8_lossy(&output.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        tracing::debug!(name = %self.name, "child stopped");
    }
}

/// Returns the directory of the running executable, where cargo also puts
/// `demo-backend` when both are built with the same profile.
pub fn binary_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("locating the bench executable")?;
    exe.parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| anyhow!("the bench executable has no parent directory"))
}

/// Returns a loopback address with a port that was free a moment ago.
pub fn free_loopback_addr() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding a free loopback port")?;
    listener.local_addr().context("reading the bound address")
}

/// Starts `program` under `taskset -c core`, with its output appended to
/// `log`.
pub fn spawn_pinned(
    core: &str,
    program: &Path,
    args: &[String],
    envs: &[(&str, String)],
    log: &Path,
) -> anyhow::Result<Child> {
    let output = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("opening {}", log.display()))?;
    let errors = output.try_clone().context("duplicating the log handle")?;
    let mut command = Command::new("taskset");
    command
        .arg("-c")
        .arg(core)
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(output)
        .stderr(errors);
    for (key, value) in envs {
        command.env(key, value);
    }
    let child = command.spawn().with_context(|| {
        format!(
            "starting {} under taskset (install util-linux)",
            program.display()
        )
    })?;
    tracing::debug!(program = %program.display(), core, pid = child.id(), "child started");
    Ok(Child {
        name: program.display().to_string(),
        child,
    })
}

/// Runs `program` under `taskset -c core` to completion and returns its
/// standard output; fails with its standard error on a non-zero exit.
pub fn run_pinned(
    core: &str,
    program: &Path,
    args: &[String],
    timeout: Duration,
) -> anyhow::Result<String> {
    let mut child = Command::new("timeout")
        .arg(format!("{}s", timeout.as_secs().max(1)))
        .arg("taskset")
        .arg("-c")
        .arg(core)
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", program.display()))?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let read_out = std::thread::spawn(move || read_all(stdout));
    let read_err = std::thread::spawn(move || read_all(stderr));
    let status = child
        .wait()
        .with_context(|| format!("waiting for {}", program.display()))?;
    let out = read_out
        .join()
        .map_err(|_| anyhow!("reading stdout panicked"))?;
    let err = read_err
        .join()
        .map_err(|_| anyhow!("reading stderr panicked"))?;
    if !status.success() {
        bail!(
            "{} {} failed ({status}): {}",
            program.display(),
            args.join(" "),
            err.trim()
        );
    }
    Ok(out)
}

fn read_all(source: Option<impl std::io::Read>) -> String {
    let mut text = String::new();
    if let Some(mut source) = source {
        let _ = source.read_to_string(&mut text);
    }
    text
}

/// Settings of a back end started for a scenario.
pub struct BackendOptions<'a> {
    pub issuer: &'a str,
    pub org_url: &'a str,
    pub event_hooks: bool,
    pub verdict_ttl_secs: u64,
    pub max_sessions: usize,
}

/// Starts the release `demo-backend` on `listen`, pinned to the server
/// core, and waits until `/healthz` returns 200.
pub async fn start_backend(
    listen: SocketAddr,
    options: &BackendOptions<'_>,
    work_dir: &Path,
) -> anyhow::Result<Child> {
    let config_path = work_dir.join(format!("backend-{}.toml", listen.port()));
    let event_hooks = if options.event_hooks {
        "[event_hooks]\nheader = \"Authorization\"\n"
    } else {
        ""
    };
    let config = format!(
        "listen = \"{listen}\"\n\n[token]\nissuer = \"{issuer}\"\naudiences = [\"api://default\"]\n\n\
         [okta]\norg_url = \"{org}\"\n\n[okta.auth]\nmethod = \"api_token\"\n\n\
         [session]\nverdict_ttl_secs = {ttl}\nmax_sessions = {max}\nmax_decisions = {max}\n\n{event_hooks}",
        issuer = options.issuer,
        org = options.org_url,
        ttl = options.verdict_ttl_secs,
        max = options.max_sessions,
    );
    std::fs::write(&config_path, config)
        .with_context(|| format!("writing {}", config_path.display()))?;

    let mut envs = vec![
        ("RUST_LOG", "warn".to_owned()),
        ("DEMO_BACKEND_OKTA__AUTH__TOKEN", SSWS_TOKEN.to_owned()),
    ];
    if options.event_hooks {
        envs.push((
            "DEMO_BACKEND_EVENT_HOOKS__SECRET",
            EVENT_HOOK_SECRET.to_owned(),
        ));
    }
    let program = binary_dir()?.join("demo-backend");
    if !program.exists() {
        bail!(
            "{} is missing; build it with `cargo build --release -p demo-backend`",
            program.display()
        );
    }
    let args = vec!["--config".to_owned(), config_path.display().to_string()];
    let log = work_dir.join("backend.log");
    let child = spawn_pinned(SERVER_CORE, &program, &args, &envs, &log)?;
    wait_until_ready(
        &reqwest::Client::new(),
        &format!("http://{listen}/healthz"),
        Duration::from_secs(30),
    )
    .await
    .with_context(|| format!("the back end did not start; see {}", log.display()))?;
    Ok(child)
}

/// Starts the unguarded baseline server (this executable) on `listen`,
/// pinned to the server core, and waits until `/healthz` returns 200.
pub async fn start_baseline(listen: SocketAddr, work_dir: &Path) -> anyhow::Result<Child> {
    let program = std::env::current_exe().context("locating the bench executable")?;
    let args = vec![
        "baseline-server".to_owned(),
        "--listen".to_owned(),
        listen.to_string(),
    ];
    let log = work_dir.join("baseline.log");
    let envs = [("RUST_LOG", "warn".to_owned())];
    let child = spawn_pinned(SERVER_CORE, &program, &args, &envs, &log)?;
    wait_until_ready(
        &reqwest::Client::new(),
        &format!("http://{listen}/healthz"),
        Duration::from_secs(30),
    )
    .await?;
    Ok(child)
}

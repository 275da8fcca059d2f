//! The `stack` binary end to end, with the fake service standing in for
//! mock-okta, session-hook and demo-backend through symlinks named like
//! them.

mod support;

use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;
use std::process::{Output, Stdio};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout_at};

use support::{DEADLINE, fake_program, free_port, read_pid, wait_gone};

/// File names of every binary the demo starts.
const ALL_BINARIES: &[&str] = &["mock-okta", "session-hook", "demo-backend"];

/// Ports of one run: mock-okta, hook, back end, SPA.
struct Ports([u16; 4]);

impl Ports {
    fn free() -> Self {
        Ports([free_port(), free_port(), free_port(), free_port()])
    }
}

/// Creates a bin dir whose `names` are symlinks to the fake service.
fn bin_dir_with(names: &[&str]) -> TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    for name in names {
        std::os::unix::fs::symlink(fake_program(), dir.path().join(name)).expect("symlink");
    }
    dir
}

fn stack_command(bin_dir: &Path, pid_dir: &Path, ports: &Ports) -> Command {
    let [mock_okta, hook, backend, spa] = ports.0;
    let mut command = Command::new(env!("CARGO_BIN_EXE_stack"));
    command
        .arg("--bin-dir")
        .arg(bin_dir)
        .args(["--mock-okta-port", &mock_okta.to_string()])
        .args(["--backend-port", &backend.to_string()])
        .args(["--spa-port", &spa.to_string()])
        .env("DEMO_HOOK_PORT", hook.to_string())
        .env("FAKE_SERVICE_PID_DIR", pid_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// A running `stack` whose stdout lines arrive on a channel.
struct Run {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
    pid_dir: TempDir,
    _bin_dir: TempDir,
}

impl Run {
    fn spawn(ports: &Ports) -> Self {
        let bin_dir = bin_dir_with(ALL_BINARIES);
        let pid_dir = tempfile::tempdir().expect("temporary directory");
        let mut child = stack_command(bin_dir.path(), pid_dir.path(), ports)
            .spawn()
            .expect("spawn stack");

        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                let _ = sender.send(line);
            }
        });
        Run {
            child,
            lines,
            pid_dir,
            _bin_dir: bin_dir,
        }
    }

    /// Collects stdout lines up to the one that contains `text`.
    async fn read_until(&mut self, text: &str) -> Vec<String> {
        let deadline = Instant::now() + DEADLINE;
        let mut seen = Vec::new();
        loop {
            match timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(line)) => {
                    let done = line.contains(text);
                    seen.push(line);
                    if done {
                        return seen;
                    }
                }
                Ok(None) => panic!("stdout closed before {text:?}: {seen:#?}"),
                Err(_) => panic!("no {text:?} within {DEADLINE:?}: {seen:#?}"),
            }
        }
    }

    fn pid(&self) -> Pid {
        let pid = self.child.id().expect("stack still runs");
        Pid::from_raw(i32::try_from(pid).expect("pid fits i32"))
    }

    fn service_pid(&self, name: &str) -> u32 {
        read_pid(self.pid_dir.path(), &format!("{name}.pid"))
    }

    async fn finish(self) -> Output {
        timeout_at(Instant::now() + DEADLINE, self.child.wait_with_output())
            .await
            .expect("stack exits")
            .expect("wait for stack")
    }
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn binary_signal_stops_all() {
    for signal in [Signal::SIGINT, Signal::SIGTERM] {
        let ports = Ports::free();
        let mut run = Run::spawn(&ports);
        let stdout = run.read_until("Press Ctrl-C to stop.").await.join("\n");
        let mock_okta = run.service_pid("mock-okta");
        let hook = run.service_pid("session-hook");
        let backend = run.service_pid("demo-backend");

        kill(run.pid(), signal).expect("signal stack");
        let output = run.finish().await;
        let stderr = stderr_of(&output);

        assert!(
            stdout.contains(&format!("mock-okta     http://127.0.0.1:{}", ports.0[0])),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!("backend       http://127.0.0.1:{}", ports.0[2])),
            "{stdout}"
        );
        assert!(
            stdout.contains("Sign in: demo@example.com / Demo-Passw0rd!"),
            "{stdout}"
        );
        assert_eq!(output.status.code(), Some(0), "{signal:?}: {stderr}");
        assert!(
            stderr.contains("stopped every service"),
            "{signal:?}: {stderr}"
        );
        assert!(
            wait_gone(mock_okta).await,
            "{signal:?}: mock-okta {mock_okta} still runs"
        );
        assert!(
            wait_gone(hook).await,
            "{signal:?}: session-hook {hook} still runs"
        );
        assert!(
            wait_gone(backend).await,
            "{signal:?}: demo-backend {backend} still runs"
        );
    }
}

#[tokio::test]
async fn binary_service_death() {
    let mut run = Run::spawn(&Ports::free());
    run.read_until("Press Ctrl-C to stop.").await;
    let mock_okta = run.service_pid("mock-okta");
    let hook = run.service_pid("session-hook");

    kill(
        Pid::from_raw(i32::try_from(hook).expect("pid fits i32")),
        Signal::SIGKILL,
    )
    .expect("kill the hook");
    let output = run.finish().await;
    let stderr = stderr_of(&output);

    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("session-hook exited with signal: 9 (SIGKILL); stopped the other services"),
        "{stderr}"
    );
    assert!(
        stderr.contains("session-hook | session-hook starting as pid"),
        "{stderr}"
    );
    assert!(
        wait_gone(mock_okta).await,
        "mock-okta {mock_okta} still runs"
    );
}

#[tokio::test]
async fn binary_killed_no_orphans() {
    // SIGKILL gives the supervisor no chance to clean up; the children's
    // parent-death signal must stop them.
    let mut run = Run::spawn(&Ports::free());
    run.read_until("Press Ctrl-C to stop.").await;
    let mock_okta = run.service_pid("mock-okta");
    let hook = run.service_pid("session-hook");

    kill(run.pid(), Signal::SIGKILL).expect("kill stack");
    let output = run.finish().await;

    assert_eq!(output.status.code(), None);
    assert!(
        wait_gone(mock_okta).await,
        "mock-okta {mock_okta} still runs"
    );
    assert!(wait_gone(hook).await, "session-hook {hook} still runs");
}

#[tokio::test]
async fn binary_port_taken() {
    let holder = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind port 0");
    let taken = holder.local_addr().expect("local address").port();
    let mut ports = Ports::free();
    ports.0[1] = taken;

    let bin_dir = bin_dir_with(ALL_BINARIES);
    let pid_dir = tempfile::tempdir().expect("temporary directory");

    let output = stack_command(bin_dir.path(), pid_dir.path(), &ports)
        .output()
        .await
        .expect("run stack");
    let stderr = stderr_of(&output);

    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("port {taken} of session-hook is already in use")),
        "{stderr}"
    );
    assert!(stderr.contains("--hook-port or DEMO_HOOK_PORT"), "{stderr}");
    let started = std::fs::read_dir(pid_dir.path())
        .expect("read pid dir")
        .count();
    assert_eq!(started, 0, "a service started before the port check failed");
}

#[tokio::test]
async fn binary_missing_binary() {
    let bin_dir = bin_dir_with(&["mock-okta"]);
    let pid_dir = tempfile::tempdir().expect("temporary directory");

    let output = stack_command(bin_dir.path(), pid_dir.path(), &Ports::free())
        .output()
        .await
        .expect("run stack");
    let stderr = stderr_of(&output);

    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("missing session-hook, demo-backend in"),
        "{stderr}"
    );
    assert!(
        stderr.contains("cargo build --locked -p session-hook -p demo-backend"),
        "{stderr}"
    );
}

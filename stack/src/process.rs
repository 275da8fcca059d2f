//! One child process: spawning it in its own process group, reaping it, and
//! signalling the group.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::process::Command;
use tokio::sync::{mpsc, watch};

use crate::error::{ServiceExit, StartError, Termination};
use crate::output::{LineSink, Tail, spawn_reader};
use crate::spec::ServiceSpec;

/// How long the reaper waits, after the child exits, for its last output
/// lines to be read. Only a grandchild that keeps the pipes open makes the
/// wait last this long.
const OUTPUT_DRAIN_TIMEOUT: Duration = Duration::from_secs(1);

/// Output and exit channels of a spawned child.
pub(crate) struct RunningService {
    pub(crate) name: String,
    pub(crate) pid: u32,
    pub(crate) url: Option<String>,
    pub(crate) tail: Tail,
    /// Set once the readiness log line has been seen.
    pub(crate) ready_line: watch::Receiver<bool>,
    /// Set once the child has been reaped.
    exit: watch::Receiver<Option<Termination>>,
    /// True once the group has been stopped; dropping then sends nothing.
    released: bool,
}

/// Settings shared by every child of one stack.
pub(crate) struct SpawnContext {
    /// Width the names are padded to in output prefixes; `None` forwards no
    /// output.
    pub(crate) prefix_width: Option<usize>,
    pub(crate) tail_lines: usize,
    /// Receives the index of each child when it has been reaped.
    pub(crate) exits: mpsc::UnboundedSender<usize>,
}

impl RunningService {
    /// Spawns `spec` as the `index`-th child, in a new process group, with
    /// its stdout and stderr read by background tasks.
    pub(crate) fn spawn(
        spec: &ServiceSpec,
        index: usize,
        context: &SpawnContext,
    ) -> Result<Self, StartError> {
        let mut command = Command::new(&spec.program);
        command
            .args(&spec.args)
            .envs(spec.env.iter().map(|(key, value)| (key, value)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own group: Ctrl-C in a terminal reaches the supervisor
            // only, and one killpg stops the child with its own children.
            .process_group(0)
            // Covers a supervisor that unwinds or drops the stack early.
            .kill_on_drop(true);
        set_parent_death_signal(&mut command);

        let mut child = command.spawn().map_err(|source| StartError::Spawn {
            service: spec.name.clone(),
            program: spec.program.clone(),
            source,
        })?;
        // A child that was just spawned and not yet awaited has an id.
        let pid = child.id().unwrap_or_default();
        tracing::info!(service = %spec.name, pid, program = %spec.program.display(), "service started");

        let tail = Tail::new(context.tail_lines);
        let (ready_sender, ready_line) = watch::channel(false);
        let ready_sender = Arc::new(ready_sender);
        let sink = LineSink {
            prefix: context
                .prefix_width
                .map(|width| format!("{:>width$} | ", spec.name)),
            tail: tail.clone(),
            ready_line: spec
                .readiness
                .log_line
                .clone()
                .map(|text| (text, ready_sender)),
        };
        let readers = [
            child
                .stdout
                .take()
                .map(|out| spawn_reader(out, sink.clone())),
            child.stderr.take().map(|err| spawn_reader(err, sink)),
        ];

        let (exit_sender, exit) = watch::channel(None);
        let exits = context.exits.clone();
        let name = spec.name.clone();
        tokio::spawn(async move {
            let termination = match child.wait().await {
                Ok(status) => Termination::Exited(status),
                Err(error) => Termination::WaitFailed(error.to_string()),
            };
            tracing::debug!(service = %name, %termination, "service reaped");

            let drain = async {
                for reader in readers.into_iter().flatten() {
                    let _ = reader.await;
                }
            };
            if tokio::time::timeout(OUTPUT_DRAIN_TIMEOUT, drain)
                .await
                .is_err()
            {
                tracing::debug!(service = %name, "output still open after exit; a child process of it may hold it");
            }

            exit_sender.send_replace(Some(termination));
            let _ = exits.send(index);
        });

        Ok(RunningService {
            name: spec.name.clone(),
            pid,
            url: spec.url.clone(),
            tail,
            ready_line,
            exit,
            released: false,
        })
    }

    /// Waits until the child has been reaped.
    pub(crate) async fn wait_exit(&self) -> Termination {
        let mut exit = self.exit.clone();
        match exit.wait_for(Option::is_some).await {
            Ok(termination) => termination
                .clone()
                .unwrap_or_else(|| Termination::WaitFailed("no status".to_owned())),
            // The reaper task is gone: the runtime is shutting down.
            Err(_) => Termination::WaitFailed("reaper task ended".to_owned()),
        }
    }

    /// Builds the report of a reaped child.
    pub(crate) fn exit_report(&self, termination: Termination) -> ServiceExit {
        ServiceExit {
            service: self.name.clone(),
            termination,
            last_lines: self.tail.snapshot(),
        }
    }

    /// Sends `signal` to the child's process group. A group that no longer
    /// exists is not an error.
    pub(crate) fn signal_group(&self, signal: Signal) {
        let Ok(raw) = i32::try_from(self.pid) else {
            return;
        };
        if raw <= 0 {
            return;
        }
        match killpg(Pid::from_raw(raw), signal) {
            Ok(()) => tracing::debug!(service = %self.name, pid = self.pid, ?signal, "signal sent"),
            Err(nix::errno::Errno::ESRCH) => {}
            Err(error) => {
                tracing::warn!(service = %self.name, pid = self.pid, ?signal, %error, "failed to signal the process group");
            }
        }
    }

    /// Marks the group as stopped, so dropping sends no signal.
    pub(crate) fn release(&mut self) {
        self.released = true;
    }
}

impl Drop for RunningService {
    fn drop(&mut self) {
        if !self.released {
            self.signal_group(Signal::SIGKILL);
        }
    }
}

/// Asks Linux to SIGKILL the child when the supervisor dies, even by
/// SIGKILL. The kernel ties this to the spawning thread, which is a runtime
/// thread that lives as long as the supervisor's runtime.
#[cfg(target_os = "linux")]
fn set_parent_death_signal(command: &mut Command) {
    // SAFETY: the closure runs between fork and exec, and only makes the
    // async-signal-safe prctl system call.
    unsafe {
        command.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(std::io::Error::from)
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn set_parent_death_signal(_command: &mut Command) {}

//! The [`Stack`] supervisor: start in order, wait for readiness, watch for
//! exits, stop everything.

use std::future::Future;
use std::time::Duration;

use nix::sys::signal::Signal;
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout_at};

use crate::error::{ServiceExit, StartError, Termination};
use crate::ports::check_ports;
use crate::process::{RunningService, SpawnContext};
use crate::readiness::wait_ready;
use crate::spec::ServiceSpec;

/// How long a child has to exit after SIGKILL before it is reported as
/// not reaped. The kernel normally needs microseconds.
const KILL_WAIT: Duration = Duration::from_secs(5);

/// Settings of a [`Stack`].
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// Print each child's output on stdout, prefixed with its name.
    pub forward_output: bool,
    /// Output lines kept per service for error reports.
    pub tail_lines: usize,
    /// Time between SIGTERM and SIGKILL when stopping.
    pub stop_grace: Duration,
}

impl Default for StackOptions {
    fn default() -> Self {
        StackOptions {
            forward_output: true,
            tail_lines: 50,
            stop_grace: Duration::from_secs(5),
        }
    }
}

/// A running service, as seen from outside the stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceInfo {
    /// Its name.
    pub name: String,
    /// Process id, which is also its process group id.
    pub pid: u32,
    /// URL shown to people, from its spec.
    pub url: Option<String>,
}

/// A service after [`Stack::shutdown`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoppedService {
    /// Its name.
    pub name: String,
    /// Its exit status, or the wait failure.
    pub termination: Termination,
    /// True when it did not exit within the grace period and got SIGKILL.
    pub killed: bool,
}

/// Why [`Stack::run_until`] stopped the stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// The shutdown future completed (Ctrl-C, SIGTERM, a test).
    Requested,
    /// A service exited on its own.
    ServiceExited(ServiceExit),
}

/// Services started in order and supervised together.
///
/// Dropping a `Stack` sends SIGKILL to every process group it started and
/// has not stopped, so no child outlives it. [`Stack::shutdown`] stops them
/// gracefully.
pub struct Stack {
    services: Vec<RunningService>,
    exits: mpsc::UnboundedReceiver<usize>,
    options: StackOptions,
}

impl Stack {
    /// Checks every port, then starts `specs` in order, waiting for each to
    /// be ready before starting the next.
    ///
    /// # Errors
    /// A taken or doubly assigned port (before anything starts), a spawn
    /// failure, a readiness timeout, or a service that exits during
    /// start-up. Services already started are stopped before returning.
    pub async fn start(specs: Vec<ServiceSpec>, options: StackOptions) -> Result<Self, StartError> {
        check_ports(&specs)?;
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(StartError::HealthClient)?;

        let (exits_sender, exits) = mpsc::unbounded_channel();
        let context = SpawnContext {
            prefix_width: options
                .forward_output
                .then(|| specs.iter().map(|spec| spec.name.len()).max().unwrap_or(0)),
            tail_lines: options.tail_lines,
            exits: exits_sender,
        };
        let mut stack = Stack {
            services: Vec::with_capacity(specs.len()),
            exits,
            options,
        };

        for (index, spec) in specs.iter().enumerate() {
            if let Err(error) = stack.start_one(index, spec, &context, &client).await {
                tracing::error!(service = %spec.name, %error, "start-up failed; stopping the services already started");
                stack.stop_all().await;
                return Err(error);
            }
        }
        Ok(stack)
    }

    async fn start_one(
        &mut self,
        index: usize,
        spec: &ServiceSpec,
        context: &SpawnContext,
        client: &reqwest::Client,
    ) -> Result<(), StartError> {
        let started = Instant::now();
        let deadline = started + spec.ready_timeout;
        let service = RunningService::spawn(spec, index, context)?;
        let ready_line = service.ready_line.clone();
        self.services.push(service);

        let outcome = tokio::select! {
            ready = wait_ready(spec, ready_line, client, deadline) => Ok(ready),
            exit = self.next_exit() => Err(exit),
        };

        match outcome {
            Ok(Ok(())) => {
                tracing::info!(service = %spec.name, elapsed_ms = started.elapsed().as_millis(), "service ready");
                Ok(())
            }
            Ok(Err(_)) => Err(StartError::ReadyTimeout {
                service: spec.name.clone(),
                timeout: spec.ready_timeout,
                waiting_for: spec.readiness_description(),
                last_lines: self.services[index].tail.snapshot(),
            }),
            Err(exit) => Err(StartError::ExitedDuringStart(exit)),
        }
    }

    /// Lists the running services in start order.
    pub fn services(&self) -> Vec<ServiceInfo> {
        self.services
            .iter()
            .map(|service| ServiceInfo {
                name: service.name.clone(),
                pid: service.pid,
                url: service.url.clone(),
            })
            .collect()
    }

    /// Returns the process id of the service called `name`.
    pub fn pid(&self, name: &str) -> Option<u32> {
        self.services
            .iter()
            .find(|service| service.name == name)
            .map(|service| service.pid)
    }

    /// Waits until any service exits and reports which, how, and its last
    /// output lines. The other services keep running.
    pub async fn next_exit(&mut self) -> ServiceExit {
        // Every reaper task owns a sender, so the channel closes only once
        // every child has been reaped and reported.
        let Some(index) = self.exits.recv().await else {
            return std::future::pending().await;
        };
        let service = &self.services[index];
        let termination = service.wait_exit().await;
        let exit = service.exit_report(termination);
        tracing::warn!(service = %exit.service, termination = %exit.termination, "service exited");
        exit
    }

    /// Supervises until `shutdown` completes or a service exits, then stops
    /// every service.
    pub async fn run_until<F>(mut self, shutdown: F) -> (StopReason, Vec<StoppedService>)
    where
        F: Future<Output = ()>,
    {
        let reason = tokio::select! {
            () = shutdown => StopReason::Requested,
            exit = self.next_exit() => StopReason::ServiceExited(exit),
        };
        tracing::info!(?reason, "stopping the stack");
        let stopped = self.shutdown().await;
        (reason, stopped)
    }

    /// Stops every service: SIGTERM to each process group in reverse start
    /// order, up to the grace period for them to exit, then SIGKILL.
    pub async fn shutdown(mut self) -> Vec<StoppedService> {
        self.stop_all().await
    }

    async fn stop_all(&mut self) -> Vec<StoppedService> {
        for service in self.services.iter().rev() {
            // Also signal groups whose leader already exited: children it
            // left behind are still in the group.
            service.signal_group(Signal::SIGTERM);
        }

        let grace_deadline = Instant::now() + self.options.stop_grace;
        let mut stopped = Vec::with_capacity(self.services.len());

        for service in self.services.iter_mut().rev() {
            let (termination, killed) = match timeout_at(grace_deadline, service.wait_exit()).await
            {
                Ok(termination) => (termination, false),
                Err(_) => {
                    tracing::warn!(service = %service.name, grace_ms = self.options.stop_grace.as_millis(), "service ignored SIGTERM; sending SIGKILL");
                    service.signal_group(Signal::SIGKILL);
                    let termination = timeout_at(Instant::now() + KILL_WAIT, service.wait_exit())
                        .await
                        .unwrap_or_else(|_| {
                            Termination::WaitFailed("not reaped after SIGKILL".to_owned())
                        });
                    (termination, true)
                }
            };

            // Children of the service that ignored SIGTERM go too.
            service.signal_group(Signal::SIGKILL);
            service.release();
            tracing::info!(service = %service.name, %termination, killed, "service stopped");
            stopped.push(StoppedService {
                name: service.name.clone(),
                termination,
                killed,
            });
        }
        stopped
    }
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack")
            .field("services", &self.services())
            .field("options", &self.options)
            .finish()
    }
}

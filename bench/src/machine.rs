//! The machine the figures come from, and the wait for a quiet machine.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};

use crate::results::MachineInfo;

/// Returns the one-minute load average.
pub fn load_average() -> anyhow::Result<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").context("reading /proc/loadavg")?;
    text.split_whitespace()
        .next()
        .and_then(|value| value.parse().ok())
        .ok_or_else(|| anyhow!("/proc/loadavg has no load average: {text:?}"))
}

/// Waits until the one-minute load average is below `max_load`, checking
/// every `poll` for at most `max_wait`. Returns the load when it stopped
/// waiting and a sentence saying why.
pub fn wait_for_quiet(
    max_load: f64,
    poll: Duration,
    max_wait: Duration,
) -> anyhow::Result<(f64, String)> {
    let started = Instant::now();
    loop {
        let load = load_average()?;
        let waited = started.elapsed().as_secs();
        if load < max_load {
            return Ok((
                load,
                format!("load {load:.2} below {max_load} after waiting {waited} s"),
            ));
        }
        if started.elapsed() >= max_wait {
            return Ok((
                load,
                format!(
                    "load still {load:.2} (not below {max_load}) after the maximum wait of {waited} s; measured anyway"
                ),
            ));
        }
        eprintln!(
            "bench: load average {load:.2} is not below {max_load}; checking again in {} s",
            poll.as_secs()
        );
        std::thread::sleep(poll);
    }
}

/// Describes this machine and the tool versions.
pub fn describe() -> MachineInfo {
    MachineInfo {
        date_utc: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        cpu: cpu_model().unwrap_or_else(|| "unknown".to_owned()),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        kernel: command_output("uname", &["-r"]),
        rustc: command_output("rustc", &["--version"]),
        node: command_output("node", &["--version"]),
        python: command_output("python3", &["--version"]),
        ..MachineInfo::default()
    }
}

fn cpu_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map(|(_, model)| model.trim().to_owned())
}

/// Returns the trimmed standard output of a command, or `unknown`.
pub fn command_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

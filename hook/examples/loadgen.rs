//! Fixed-rate HTTP load generator for the token inline hook.
//!
//! Sends `--rate` requests per second for `--seconds` seconds (open loop:
//! a slow response does not delay the next request), then prints latency
//! percentiles. Bounded in count (rate × seconds) and in concurrency
//! (`--max-in-flight`); it targets loopback only.
//!
//! Run with:
//!
//! ```text
//! cargo run --release -p session-hook --example loadgen -- --rate 2000 --seconds 10
//! ```
//!
//! Without `--url` it starts the service in process on 127.0.0.1:0 with a
//! temporary store. With `--url http://127.0.0.1:9401` it loads a running
//! service (for example the release binary).

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use tokio::sync::Semaphore;

/// Payload sent on every request.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Scenario {
    /// Authorization code grant linking a new refresh token (a store write).
    SignIn,
    /// Authorization code grant without refresh token (no store write).
    SignInNoRefresh,
    /// Client credentials grant (no claim).
    ClientCredentials,
}

/// Fixed-rate load generator for the token inline hook.
#[derive(Debug, Parser)]
struct Args {
    /// Requests per second.
    #[arg(long, default_value_t = 2000)]
    rate: u32,
    /// Duration of the run, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u32,
    /// Base URL of a running service; empty starts one in process.
    #[arg(long)]
    url: Option<String>,
    /// Header secret of the service.
    #[arg(long, default_value = "demo-inline-hook-secret")]
    secret: String,
    /// Payload.
    #[arg(long, value_enum, default_value_t = Scenario::SignIn)]
    scenario: Scenario,
    /// Requests allowed in flight; more are counted as dropped.
    #[arg(long, default_value_t = 1000)]
    max_in_flight: usize,
}

fn fixture(name: &str) -> anyhow::Result<serde_json::Value> {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(&file).with_context(|| file.display().to_string())?;
    Ok(serde_json::from_str(&text)?)
}

/// Returns a body for request number `index`.
struct Payloads {
    scenario: Scenario,
    template: String,
}

impl Payloads {
    fn new(scenario: Scenario) -> anyhow::Result<Self> {
        let template = match scenario {
            Scenario::SignIn => fixture("token_hook_authorization_code.json")?,
            Scenario::SignInNoRefresh => {
                let mut payload = fixture("token_hook_authorization_code.json")?;
                if let Some(data) = payload["data"].as_object_mut() {
                    data.remove("refresh_token");
                }
                payload
            }
            Scenario::ClientCredentials => fixture("token_hook_client_credentials.json")?,
        };
        Ok(Self {
            scenario,
            template: serde_json::to_string(&template)?,
        })
    }

    fn body(&self, index: u64) -> String {
        match self.scenario {
            Scenario::SignIn => self
                .template
                .replace("rtDemoInitial0000001", &format!("rtLoad{index:014}")),
            _ => self.template.clone(),
        }
    }
}

fn check_loopback(url: &str) -> anyhow::Result<()> {
    let parsed = url::Url::parse(url).context("--url is not a URL")?;
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    if !loopback {
        bail!("--url {url} is not a loopback address; this generator only loads local services");
    }
    Ok(())
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // Nearest-rank percentile.
    let rank = (fraction * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn print_latencies(label: &str, mut samples: Vec<Duration>) {
    samples.sort_unstable();
    let ms = |duration: Duration| duration.as_secs_f64() * 1000.0;
    println!(
        "{label}: p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms, max {:.3} ms",
        ms(percentile(&samples, 0.50)),
        ms(percentile(&samples, 0.90)),
        ms(percentile(&samples, 0.99)),
        ms(percentile(&samples, 0.999)),
        ms(samples.last().copied().unwrap_or_default()),
    );
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.rate == 0 || args.seconds == 0 {
        bail!("--rate and --seconds must be above 0");
    }

    // The in-process service gets its own runtime and thread, so client
    // and server do not share one scheduler.
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let store_dir = tempfile::tempdir()?;
    let (url, service) = match &args.url {
        Some(url) => {
            check_loopback(url)?;
            (url.trim_end_matches('/').to_owned(), None)
        }
        None => {
            let toml = format!(
                "listen = \"127.0.0.1:0\"\n[store]\npath = \"{}\"\n",
                store_dir.path().join("load.redb").display()
            );
            let config = session_hook::Config::from_toml(&toml)?;
            let service = server_runtime.block_on(session_hook::start(&config))?;
            (service.url(), Some(service))
        }
    };

    let client_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let result = client_runtime.block_on(run(&args, &url));

    if let Some(service) = service {
        server_runtime.block_on(service.shutdown())?;
    }
    result
}

struct Sample {
    /// From the scheduled send time: includes generator lateness.
    scheduled: Duration,
    /// From the actual send time.
    service: Duration,
}

async fn run(args: &Args, url: &str) -> anyhow::Result<()> {
    let endpoint = format!("{url}/okta/token-inline-hook");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.max_in_flight)
        .build()?;
    let payloads = Arc::new(Payloads::new(args.scenario)?);
    let in_flight = Arc::new(Semaphore::new(args.max_in_flight));
    let failures = Arc::new(AtomicU64::new(0));
    let dropped = Arc::new(AtomicU64::new(0));

    // Warm the connection pool and the service before measuring.
    for index in 0..200_u64 {
        let body = payloads.body(u64::MAX - index);
        client
            .post(&endpoint)
            .header("Authorization", &args.secret)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await?;
    }

    let total = u64::from(args.rate) * u64::from(args.seconds);
    let interval = Duration::from_secs(1) / args.rate;
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<Sample>();
    let started = Instant::now();

    // The schedule runs on its own thread with std sleeps, which wake
    // within tens of microseconds. tokio's timer ticks in milliseconds, so
    // it would add up to 1 ms of generator lateness to every request.
    let handle = tokio::runtime::Handle::current();
    let secret = args.secret.clone();
    let schedule = {
        let (client, endpoint, payloads) = (client.clone(), endpoint.clone(), payloads.clone());
        let (in_flight, failures, dropped) = (in_flight.clone(), failures.clone(), dropped.clone());
        let sender = sender.clone();
        tokio::task::spawn_blocking(move || {
            for index in 0..total {
                let due = started + interval * u32::try_from(index).unwrap_or(u32::MAX);
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                }

                let Ok(permit) = in_flight.clone().try_acquire_owned() else {
                    dropped.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                let request = client
                    .post(&endpoint)
                    .header("Authorization", &secret)
                    .header("Content-Type", "application/json")
                    .body(payloads.body(index));
                let sender = sender.clone();
                let failures = failures.clone();
                handle.spawn(async move {
                    let sent = Instant::now();
                    let ok = match request.send().await {
                        Ok(response) => {
                            response.status().is_success() && response.bytes().await.is_ok()
                        }
                        Err(_) => false,
                    };
                    let finished = Instant::now();
                    if !ok {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                    let _ = sender.send(Sample {
                        scheduled: finished - due,
                        service: finished - sent,
                    });
                    drop(permit);
                });
            }
        })
    };
    schedule.await?;
    drop(sender);

    let mut from_schedule = Vec::with_capacity(total as usize);
    let mut from_send = Vec::with_capacity(total as usize);
    while let Some(sample) = receiver.recv().await {
        from_schedule.push(sample.scheduled);
        from_send.push(sample.service);
    }
    let elapsed = started.elapsed();

    println!(
        "scenario {:?}: {} requests at {} req/s target over {:.2} s (achieved {:.0} req/s), {} failed, {} dropped",
        args.scenario,
        from_send.len(),
        args.rate,
        elapsed.as_secs_f64(),
        from_send.len() as f64 / elapsed.as_secs_f64(),
        failures.load(Ordering::Relaxed),
        dropped.load(Ordering::Relaxed),
    );
    print_latencies("latency from send", from_send);
    print_latencies("latency from schedule", from_schedule);
    print_handler_histogram(&client, url).await;
    Ok(())
}

/// Prints the service's own handler latency histogram (time inside the
/// handler, without network and client), cumulative since it started.
async fn print_handler_histogram(client: &reqwest::Client, url: &str) {
    let text = match client.get(format!("{url}/metrics")).send().await {
        Ok(response) => response.text().await.unwrap_or_default(),
        Err(error) => {
            println!("handler histogram unavailable: {error}");
            return;
        }
    };

    let prefix = "session_hook_token_hook_duration_seconds_bucket{le=\"";
    let buckets: Vec<(String, f64)> = text
        .lines()
        .filter_map(|line| line.strip_prefix(prefix))
        .filter_map(|rest| {
            let (bound, count) = rest.split_once("\"} ")?;
            Some((bound.to_owned(), count.trim().parse().ok()?))
        })
        .collect();
    let Some(total) = buckets
        .last()
        .map(|(_, count)| *count)
        .filter(|total| *total > 0.0)
    else {
        println!("handler histogram unavailable");
        return;
    };

    let shares: Vec<String> = buckets
        .iter()
        .filter(|(bound, _)| matches!(bound.as_str(), "0.0005" | "0.001" | "0.002" | "0.005"))
        .map(|(bound, count)| format!("<= {bound} s: {:.2}%", count / total * 100.0))
        .collect();
    println!(
        "handler time (service histogram, warm-up included): {}",
        shares.join(", ")
    );
}

//! Scenario 1: token decisions per second on one core, for the guard, the
//! floor, jsonwebtoken, and the Node and Python verifiers, on one token set.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

use super::{Settings, blocking, write_json};
use crate::decisions::Throughput;
use crate::org::{AUDIENCE, MintedToken, Org, TokenFile};
use crate::procs::{SERVER_CORE, run_pinned};
use crate::results::{DecisionResults, DecisionRow};
use crate::stats::median;

/// Minimum measuring time of each scenario in each run.
const MIN_TIME: Duration = Duration::from_secs(2);

/// A verifier run in another language.
struct Peer {
    /// Program and arguments before the token and JWKS paths.
    program: PathBuf,
    args: Vec<String>,
}

#[derive(serde::Deserialize)]
struct PeerOutput {
    peer: String,
    version: String,
    per_second: f64,
}

/// The decision scenario's tokens, also used by the HTTP scenario.
pub struct TokenSet {
    pub sessions: usize,
    pub tokens: Vec<MintedToken>,
    pub file: TokenFile,
    pub tokens_path: PathBuf,
    pub jwks_path: PathBuf,
}

/// Mints the token set over new sessions and writes it, with the JWKS,
/// where the Node and Python verifiers read it.
pub fn mint_token_set(org: &Org, settings: &Settings) -> anyhow::Result<TokenSet> {
    let sessions = settings.pick(50, 10);
    let per_session = settings.pick(100, 20);
    let session_ids = org.create_sessions(sessions)?;
    let warm = org.mint(&session_ids, 1)?;
    let tokens = org.mint(&session_ids, per_session)?;

    let file = TokenFile {
        issuer: org.issuer.clone(),
        audience: AUDIENCE.to_owned(),
        jwks_uri: format!("{}/v1/keys", org.issuer),
        org_url: org.org_url.clone(),
        warm: warm.iter().map(|minted| minted.token.clone()).collect(),
        tokens: tokens.iter().map(|minted| minted.token.clone()).collect(),
    };
    let tokens_path = settings.work.join("tokens.json");
    let jwks_path = settings.work.join("jwks.json");
    file.write(&tokens_path)?;
    write_json(&jwks_path, &org.jwks()?)?;
    Ok(TokenSet {
        sessions,
        tokens,
        file,
        tokens_path,
        jwks_path,
    })
}

/// Measures every verifier `settings.runs` times over `set`, interleaved
/// so that a slow moment of the machine hits all of them alike.
pub async fn run(
    set: &TokenSet,
    settings: &Settings,
    notes: &mut Vec<String>,
) -> anyhow::Result<DecisionResults> {
    let (tokens_path, jwks_path, file) = (&set.tokens_path, &set.jwks_path, &set.file);
    let peers = peers(settings, notes).await;
    let mut runs: BTreeMap<String, (String, Vec<f64>)> = BTreeMap::new();
    for run in 0..settings.runs {
        eprintln!(
            "bench: token decisions, run {} of {}",
            run + 1,
            settings.runs
        );
        for throughput in rust_decisions(tokens_path, jwks_path).await? {
            let version = rust_version(&throughput.scenario).to_owned();
            let entry = runs
                .entry(throughput.scenario)
                .or_insert_with(|| (version, Vec::new()));
            entry.1.push(throughput.per_second);
        }
        for peer in &peers {
            let output = peer_decisions(peer, tokens_path, jwks_path).await?;
            let entry = runs
                .entry(output.peer)
                .or_insert_with(|| (output.version.clone(), Vec::new()));
            entry.1.push(output.per_second);
        }
    }

    let rows = runs
        .into_iter()
        .map(|(scenario, (version, runs))| DecisionRow {
            median: median(&runs).unwrap_or(f64::NAN),
            scenario,
            version,
            runs,
        })
        .collect();
    Ok(DecisionResults {
        sessions: set.sessions,
        tokens: file.tokens.len(),
        token_bytes: file.tokens.first().map_or(0, String::len),
        rows,
    })
}

/// The library behind each Rust scenario, with the version in Cargo.lock.
fn rust_version(scenario: &str) -> &'static str {
    match scenario {
        "floor_rs256_signature" | "rs256_signature_key_per_call" => "aws-lc-rs 1.19",
        "jsonwebtoken_decode" => "jsonwebtoken 12.0 (aws-lc-rs)",
        _ => "session-guard 0.1",
    }
}

async fn rust_decisions(tokens: &Path, jwks: &Path) -> anyhow::Result<Vec<Throughput>> {
    let program = std::env::current_exe().context("locating the bench executable")?;
    let args = vec![
        "decisions".to_owned(),
        "--tokens".to_owned(),
        tokens.display().to_string(),
        "--jwks".to_owned(),
        jwks.display().to_string(),
        "--min-ms".to_owned(),
        MIN_TIME.as_millis().to_string(),
    ];
    let output =
        blocking(move || run_pinned(SERVER_CORE, &program, &args, Duration::from_secs(300)))
            .await?;
    serde_json::from_str(output.trim())
        .with_context(|| format!("parsing the decision figures {output:?}"))
}

async fn peer_decisions(peer: &Peer, tokens: &Path, jwks: &Path) -> anyhow::Result<PeerOutput> {
    let mut args = peer.args.clone();
    args.push(tokens.display().to_string());
    args.push(jwks.display().to_string());
    args.push(MIN_TIME.as_millis().to_string());
    let program = peer.program.clone();
    let output =
        blocking(move || run_pinned(SERVER_CORE, &program, &args, Duration::from_secs(300)))
            .await?;
    let line = output.lines().last().unwrap_or_default();
    serde_json::from_str(line).with_context(|| format!("parsing the peer output {output:?}"))
}

/// Returns the Node and Python peers that can run here; notes the others.
async fn peers(settings: &Settings, notes: &mut Vec<String>) -> Vec<Peer> {
    let mut peers = Vec::new();
    let script = settings.repo.join("bench/node/verify.mjs");
    if settings
        .repo
        .join("bench/node/node_modules/@okta/jwt-verifier")
        .exists()
    {
        for name in ["okta", "jose"] {
            peers.push(Peer {
                program: PathBuf::from("node"),
                args: vec![script.display().to_string(), name.to_owned()],
            });
        }
    } else {
        notes.push("Node peers skipped: bench/node/node_modules is missing; run `npm ci` in bench/node (`just bench` does).".to_owned());
    }

    match python_venv(settings).await {
        Ok(python) => {
            let script = settings.repo.join("bench/python/verify.py");
            for name in ["okta", "pyjwt"] {
                peers.push(Peer {
                    program: python.clone(),
                    args: vec![script.display().to_string(), name.to_owned()],
                });
            }
        }
        Err(error) => notes.push(format!("Python peers skipped: {error:#}")),
    }
    peers
}

/// Creates a venv under the work directory with the pinned requirements.
async fn python_venv(settings: &Settings) -> anyhow::Result<PathBuf> {
    let venv = settings.work.join("venv");
    let requirements = settings.repo.join("bench/python/requirements.txt");
    let venv_for_task = venv.clone();
    blocking(move || {
        let created = std::process::Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv_for_task)
            .status()
            .context("running python3 -m venv")?;
        anyhow::ensure!(created.success(), "python3 -m venv failed ({created})");
        let pip = venv_for_task.join("bin/pip");
        let output = std::process::Command::new("timeout")
            .arg("300s")
            .arg(&pip)
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements)
            .output()
            .context("running pip install")?;
        anyhow::ensure!(
            output.status.success(),
            "pip install -r {} failed: {}",
            requirements.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
        Ok(())
    })
    .await?;
    Ok(venv.join("bin/python"))
}

//! An HTTP/1.1 load generator for loopback: keep-alive connections that
//! send pre-built `GET` requests, each with its own path and
//! `Authorization` value, either back to back (saturation), on a fixed
//! schedule (a fixed rate, open loop), or each request once.
//!
//! Requests are written as raw bytes and responses parsed only as far as
//! the status line and `Content-Length`, so the generator spends little
//! of its core per request.
//!
//! At a fixed rate, a request's latency counts from its scheduled time
//! when the connection was still busy at that time, because that wait is
//! the server's doing. Otherwise it counts from the moment the request was
//! sent, because tokio's timer wakes up to a millisecond late, which is the
//! generator's doing.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::stats::LatencySummary;

/// Largest response head or body the generator accepts, in bytes.
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// One request to send: `GET path` with this `Authorization` value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestLine {
    pub path: String,
    pub authorization: String,
}

impl RequestLine {
    /// `GET path` with `Authorization: Bearer token`.
    pub fn bearer(path: &str, token: &str) -> RequestLine {
        RequestLine {
            path: path.to_owned(),
            authorization: format!("Bearer {token}"),
        }
    }
}

/// Requests, connections and pacing of one load run. Connection `i`
/// sends requests `i`, `i + n`, `i + 2n`, ... of `requests` in turn, for
/// `n` connections.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    pub addr: SocketAddr,
    pub requests: Vec<RequestLine>,
    pub connections: usize,
    pub warmup: Duration,
    pub duration: Duration,
    /// Requests per second over all connections; `None` sends back to back.
    pub rate: Option<f64>,
    /// Send each request once and stop (still bounded by the duration).
    pub once: bool,
}

/// Figures of one load run, inside its measurement window.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoadResult {
    pub requests: u64,
    pub seconds: f64,
    pub per_second: f64,
    /// Responses by HTTP status.
    pub statuses: BTreeMap<u16, u64>,
    /// Connection failures and unreadable responses.
    pub errors: u64,
    pub latency: Option<LatencySummary>,
    /// Responses received over the whole run, warm-up included.
    pub total_responses: u64,
}

struct ConnectionOutcome {
    latencies_ns: Vec<u64>,
    statuses: BTreeMap<u16, u64>,
    errors: u64,
    total_responses: u64,
}

/// Runs the load and returns the figures of the measurement window (after
/// the warm-up). Stops by itself after `warmup + duration`.
pub async fn run(spec: &LoadSpec) -> anyhow::Result<LoadResult> {
    if spec.requests.is_empty() || spec.connections == 0 {
        return Err(anyhow!(
            "the load needs at least one request and one connection"
        ));
    }
    let started = Instant::now();
    let window_start = started + spec.warmup;
    let window_end = window_start + spec.duration;

    let mut tasks = Vec::with_capacity(spec.connections);
    for index in 0..spec.connections {
        let mut requests: Vec<Vec<u8>> = spec
            .requests
            .iter()
            .skip(index)
            .step_by(spec.connections)
            .map(|line| request_bytes(spec.addr, line))
            .collect();
        if requests.is_empty() && !spec.once {
            requests.push(request_bytes(
                spec.addr,
                &spec.requests[index % spec.requests.len()],
            ));
        }
        let schedule = spec.rate.map(|rate| {
            let interval = Duration::from_secs_f64(spec.connections as f64 / rate);
            // Stagger the connections evenly over one interval.
            let offset = interval.mul_f64(index as f64 / spec.connections as f64);
            (started + offset, interval)
        });
        let addr = spec.addr;
        let limit = if spec.once {
            requests.len() as u64
        } else {
            u64::MAX
        };
        tasks.push(tokio::spawn(async move {
            drive(addr, requests, limit, schedule, window_start, window_end).await
        }));
    }

    let mut latencies = Vec::new();
    let mut statuses = BTreeMap::new();
    let mut errors = 0;
    let mut total_responses = 0;
    for task in tasks {
        let outcome = task.await.context("a load connection task failed")?;
        latencies.extend(outcome.latencies_ns);
        for (status, count) in outcome.statuses {
            *statuses.entry(status).or_insert(0) += count;
        }
        errors += outcome.errors;
        total_responses += outcome.total_responses;
    }
    let requests = latencies.len() as u64;
    let seconds = spec.duration.as_secs_f64();
    Ok(LoadResult {
        requests,
        seconds,
        per_second: requests as f64 / seconds,
        statuses,
        errors,
        latency: LatencySummary::from_nanos(&mut latencies),
        total_responses,
    })
}

fn request_bytes(addr: SocketAddr, line: &RequestLine) -> Vec<u8> {
    format!(
        "GET {} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {}\r\nAccept: application/json\r\n\r\n",
        line.path, line.authorization
    )
    .into_bytes()
}

/// Drives one keep-alive connection: sends its requests in turn until the
/// window ends or `limit` requests were sent, reconnecting after an error.
async fn drive(
    addr: SocketAddr,
    requests: Vec<Vec<u8>>,
    limit: u64,
    schedule: Option<(Instant, Duration)>,
    window_start: Instant,
    window_end: Instant,
) -> ConnectionOutcome {
    let mut outcome = ConnectionOutcome {
        latencies_ns: Vec::new(),
        statuses: BTreeMap::new(),
        errors: 0,
        total_responses: 0,
    };
    let mut stream: Option<TcpStream> = None;
    let mut buffer = Vec::with_capacity(16 * 1024);
    let mut previous_done = Instant::now();

    for sequence in 0..limit {
        let intended = schedule.map(|(first, interval)| first + interval.mul_f64(sequence as f64));
        if let Some(intended) = intended {
            if intended >= window_end {
                break;
            }
            if Instant::now() < intended {
                tokio::time::sleep_until(intended.into()).await;
            }
        }
        let sent = Instant::now();
        if sent >= window_end {
            break;
        }
        // Busy past the scheduled time: the wait counts as latency.
        let latency_start = match intended {
            Some(intended) if previous_done > intended => intended,
            _ => sent,
        };

        let request = &requests[sequence as usize % requests.len()];
        let deadline = window_end + Duration::from_secs(2);
        let result = tokio::time::timeout_at(
            deadline.into(),
            exchange(&mut stream, addr, request, &mut buffer),
        )
        .await;
        let done = Instant::now();
        previous_done = done;
        match result {
            Ok(Ok(status)) => {
                outcome.total_responses += 1;
                if latency_start >= window_start && done <= window_end {
                    let nanos = u64::try_from(done.duration_since(latency_start).as_nanos())
                        .unwrap_or(u64::MAX);
                    outcome.latencies_ns.push(nanos);
                    *outcome.statuses.entry(status).or_insert(0) += 1;
                }
            }
            Ok(Err(_)) | Err(_) => {
                stream = None;
                if done <= window_end {
                    outcome.errors += 1;
                }
            }
        }
    }
    outcome
}

/// Sends one request on the connection (opening it if needed) and reads
/// the whole response. Returns the status code.
async fn exchange(
    stream: &mut Option<TcpStream>,
    addr: SocketAddr,
    request: &[u8],
    buffer: &mut Vec<u8>,
) -> anyhow::Result<u16> {
    if stream.is_none() {
        let connection = TcpStream::connect(addr).await.context("connecting")?;
        connection
            .set_nodelay(true)
            .context("setting TCP_NODELAY")?;
        *stream = Some(connection);
    }
    let connection = stream.as_mut().ok_or_else(|| anyhow!("no connection"))?;
    connection
        .write_all(request)
        .await
        .context("writing the request")?;

    buffer.clear();
    let (head_end, status, body_length) = loop {
        if let Some(parsed) = parse_head(buffer)? {
            break parsed;
        }
        read_more(connection, buffer).await?;
    };
    while buffer.len() < head_end + body_length {
        read_more(connection, buffer).await?;
    }
    Ok(status)
}

async fn read_more(connection: &mut TcpStream, buffer: &mut Vec<u8>) -> anyhow::Result<()> {
    if buffer.len() > MAX_RESPONSE_BYTES {
        return Err(anyhow!("response larger than {MAX_RESPONSE_BYTES} bytes"));
    }
    let mut chunk = [0u8; 16 * 1024];
    let read = connection
        .read(&mut chunk)
        .await
        .context("reading the response")?;
    if read == 0 {
        return Err(anyhow!("the server closed the connection"));
    }
    buffer.extend_from_slice(&chunk[..read]);
    Ok(())
}

/// Parses a response head: returns its length, the status and the body
/// length, or `None` while the head is incomplete.
///
/// # Errors
/// A head without a status code or `Content-Length` (the servers measured
/// here always send one for complete bodies).
pub fn parse_head(buffer: &[u8]) -> anyhow::Result<Option<(usize, u16, usize)>> {
    let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&buffer[..end]).context("the response head is not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| anyhow!("the response has no status code"))?;
    let length = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .ok_or_else(|| anyhow!("the response has no Content-Length"))?;
    Ok(Some((end + 4, status, length)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_complete() {
        let response = b"HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nContent-Length: 12\r\n\r\n{\"a\":1}";
        let parsed = parse_head(response).expect("head parses");
        assert_eq!(parsed, Some((81, 401, 12)));
    }

    #[test]
    fn head_incomplete() {
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n").expect("no error"),
            None
        );
    }

    #[test]
    fn head_without_length() {
        assert!(parse_head(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n").is_err());
    }
}

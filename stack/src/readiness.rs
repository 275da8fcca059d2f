//! Waiting until a service is ready: its log line, then its health URL.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, sleep, timeout_at};

use crate::spec::ServiceSpec;

/// First pause between two health requests; it doubles up to the maximum.
const FIRST_BACKOFF: Duration = Duration::from_millis(20);
const MAX_BACKOFF: Duration = Duration::from_millis(500);

/// Timeout of one health request, lowered to the time left before the
/// deadline.
const HEALTH_REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// The deadline passed before the readiness conditions were met.
#[derive(Debug)]
pub(crate) struct DeadlinePassed;

/// Waits until `spec`'s readiness conditions hold, or until `deadline`.
///
/// Returns early only on readiness or deadline; the caller races this
/// against the child's exit.
pub(crate) async fn wait_ready(
    spec: &ServiceSpec,
    mut ready_line: watch::Receiver<bool>,
    client: &reqwest::Client,
    deadline: Instant,
) -> Result<(), DeadlinePassed> {
    let conditions = async {
        if spec.readiness.log_line.is_some() && ready_line.wait_for(|seen| *seen).await.is_err() {
            // Both output streams closed without the line: the child is
            // exiting, and the caller sees its exit.
            std::future::pending::<()>().await;
        }
        if let Some(url) = &spec.readiness.health_url {
            poll_health(&spec.name, url, client, deadline).await;
        }
    };
    timeout_at(deadline, conditions)
        .await
        .map_err(|_| DeadlinePassed)
}

/// Polls `url` with exponential backoff until it returns a 2xx status.
async fn poll_health(service: &str, url: &str, client: &reqwest::Client, deadline: Instant) {
    let mut backoff = FIRST_BACKOFF;
    let mut attempt: u32 = 0;

    loop {
        attempt += 1;
        let left = deadline.saturating_duration_since(Instant::now());
        let request = client.get(url).timeout(left.min(HEALTH_REQUEST_TIMEOUT));

        match request.send().await {
            Ok(response) if response.status().is_success() => {
                tracing::debug!(service, url, attempt, "health check passed");
                return;
            }
            Ok(response) => {
                tracing::debug!(service, url, attempt, status = %response.status(), "health check not passed yet; retrying");
            }
            Err(error) => {
                tracing::debug!(service, url, attempt, %error, "health check failed; retrying");
            }
        }

        sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

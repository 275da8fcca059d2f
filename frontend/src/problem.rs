//! Interpretation of the back end's responses: RFC 9457 problem documents
//! with a stable `reason`, `WWW-Authenticate` challenges and `Retry-After`.

use serde::Deserialize;
use serde_json::Value;

/// The displayed result of one API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiOutcome {
    /// HTTP status.
    pub status: u16,
    /// The problem's `reason`, when the response is a problem document.
    pub reason: Option<String>,
    /// The problem's `title`, or the status phrase.
    pub title: String,
    /// The problem's `detail`.
    pub detail: Option<String>,
    /// `Retry-After`, when sent.
    pub retry_after: Option<RetryAfter>,
    /// `WWW-Authenticate`, when sent.
    pub www_authenticate: Option<String>,
    /// The body, pretty-printed when it is JSON.
    pub body: String,
}

/// A `Retry-After` value (RFC 9110 section 10.2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryAfter {
    /// Delay in seconds.
    Seconds(u64),
    /// An HTTP date, kept as sent.
    Date(String),
}

/// The response parts [`interpret`] reads.
#[derive(Debug, Clone, Default)]
pub struct RawResponse<'a> {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: Option<&'a str>,
    /// `Retry-After`.
    pub retry_after: Option<&'a str>,
    /// `WWW-Authenticate`.
    pub www_authenticate: Option<&'a str>,
    /// Body text.
    pub body: &'a str,
}

#[derive(Deserialize)]
struct Problem {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

/// Reads a response into what the screen shows.
pub fn interpret(response: &RawResponse<'_>) -> ApiOutcome {
    let json: Option<Value> = serde_json::from_str(response.body).ok();
    let is_problem = response
        .content_type
        .is_some_and(|value| media_type(value) == "application/problem+json");
    let problem = json
        .as_ref()
        .filter(|_| is_problem)
        .and_then(|value| Problem::deserialize(value).ok());

    let body = match &json {
        Some(value) => {
            serde_json::to_string_pretty(value).unwrap_or_else(|_| response.body.to_owned())
        }
        None => response.body.to_owned(),
    };
    let (title, detail, reason) = match problem {
        Some(problem) => (
            problem
                .title
                .unwrap_or_else(|| status_phrase(response.status).to_owned()),
            problem.detail,
            problem.reason,
        ),
        None => (status_phrase(response.status).to_owned(), None, None),
    };

    ApiOutcome {
        status: response.status,
        reason,
        title,
        detail,
        retry_after: response.retry_after.map(parse_retry_after),
        www_authenticate: response.www_authenticate.map(str::to_owned),
        body,
    }
}

impl ApiOutcome {
    /// Tells whether the call succeeded (2xx).
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Tells whether the token was rejected (401 or 403), which is what
    /// the replay lab waits for.
    pub fn is_refusal(&self) -> bool {
        matches!(self.status, 401 | 403)
    }

    /// Formats one line such as `401 Unauthorized: session_ended`.
    pub fn headline(&self) -> String {
        match &self.reason {
            Some(reason) => format!("{} {}: {reason}", self.status, self.title),
            None => format!("{} {}", self.status, self.title),
        }
    }

    /// Explains the reason in plain language, when it is a known one.
    pub fn explanation(&self) -> Option<String> {
        let text = match self.reason.as_deref()? {
            "session_ended" => "Okta reports that the session behind this token has ended (sign-out, expiry or an administrator). The token's signature and expiry are still valid, yet the back end refuses it.".to_owned(),
            "not_session_bound" => "The token carries no session claim, so the back end cannot tie it to an Okta session. Check that the token inline hook is configured.".to_owned(),
            "missing_token" => "The request carried no bearer token.".to_owned(),
            "token_expired" => "The access token has expired. Refresh it or sign in again.".to_owned(),
            "insufficient_scope" => "The token lacks a scope this route needs. Sign in again with that scope requested.".to_owned(),
            "okta_unavailable" | "okta_rate_limited" | "jwks_unavailable" => match &self.retry_after {
                Some(RetryAfter::Seconds(seconds)) => format!("The back end could not ask Okta, so it neither accepts nor blames the token. Retry in {seconds} s."),
                Some(RetryAfter::Date(date)) => format!("The back end could not ask Okta, so it neither accepts nor blames the token. Retry after {date}."),
                None => "The back end could not ask Okta, so it neither accepts nor blames the token. Retry shortly.".to_owned(),
            },
            _ => return None,
        };
        Some(text)
    }
}

fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn parse_retry_after(value: &str) -> RetryAfter {
    match value.trim().parse::<u64>() {
        Ok(seconds) => RetryAfter::Seconds(seconds),
        Err(_) => RetryAfter::Date(value.trim().to_owned()),
    }
}

/// Returns the reason phrase of the statuses the back end sends.
pub fn status_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SESSION_ENDED: &str = r#"{"type":"about:blank","title":"Unauthorized","status":401,"detail":"the Okta session has ended","reason":"session_ended"}"#;

    fn problem(status: u16, body: &str) -> ApiOutcome {
        interpret(&RawResponse {
            status,
            content_type: Some("application/problem+json"),
            body,
            ..RawResponse::default()
        })
    }

    #[test]
    fn problem_reason() {
        assert_eq!(
            problem(401, SESSION_ENDED).reason.as_deref(),
            Some("session_ended")
        );
    }

    #[test]
    fn problem_detail() {
        assert_eq!(
            problem(401, SESSION_ENDED).detail.as_deref(),
            Some("the Okta session has ended")
        );
    }

    #[test]
    fn problem_headline() {
        assert_eq!(
            problem(401, SESSION_ENDED).headline(),
            "401 Unauthorized: session_ended"
        );
    }

    #[test]
    fn problem_is_refusal() {
        assert!(problem(401, SESSION_ENDED).is_refusal());
    }

    #[test]
    fn problem_content_type_parameters() {
        let outcome = interpret(&RawResponse {
            status: 401,
            content_type: Some("Application/Problem+JSON; charset=utf-8"),
            body: SESSION_ENDED,
            ..RawResponse::default()
        });
        assert_eq!(outcome.reason.as_deref(), Some("session_ended"));
    }

    #[test]
    fn plain_json_has_no_reason() {
        let outcome = interpret(&RawResponse {
            status: 200,
            content_type: Some("application/json"),
            body: r#"{"reason":"not a problem"}"#,
            ..RawResponse::default()
        });
        assert_eq!(outcome.reason, None);
    }

    #[test]
    fn success_body_pretty() {
        let outcome = interpret(&RawResponse {
            status: 200,
            content_type: Some("application/json"),
            body: r#"{"a":1}"#,
            ..RawResponse::default()
        });
        assert_eq!(outcome.body, "{\n  \"a\": 1\n}");
        assert!(outcome.is_success());
    }

    #[test]
    fn unavailable_retry_after_seconds() {
        let outcome = interpret(&RawResponse {
            status: 503,
            content_type: Some("application/problem+json"),
            retry_after: Some("5"),
            body: r#"{"title":"Service Unavailable","status":503,"detail":"Okta did not answer","reason":"okta_unavailable"}"#,
            ..RawResponse::default()
        });
        assert_eq!(outcome.retry_after, Some(RetryAfter::Seconds(5)));
        assert!(outcome.explanation().unwrap().contains("Retry in 5 s"));
    }

    #[test]
    fn retry_after_http_date() {
        let outcome = interpret(&RawResponse {
            status: 503,
            retry_after: Some("Wed, 21 Oct 2026 07:28:00 GMT"),
            body: "",
            ..RawResponse::default()
        });
        assert_eq!(
            outcome.retry_after,
            Some(RetryAfter::Date("Wed, 21 Oct 2026 07:28:00 GMT".to_owned()))
        );
    }

    #[test]
    fn challenge_kept() {
        let outcome = interpret(&RawResponse {
            status: 401,
            www_authenticate: Some("Bearer realm=\"api\", error=\"invalid_token\""),
            body: "",
            ..RawResponse::default()
        });
        assert_eq!(
            outcome.www_authenticate.as_deref(),
            Some("Bearer realm=\"api\", error=\"invalid_token\"")
        );
    }

    #[test]
    fn non_json_body_kept() {
        let outcome = interpret(&RawResponse {
            status: 502,
            content_type: Some("text/html"),
            body: "<h1>Bad gateway</h1>",
            ..RawResponse::default()
        });
        assert_eq!(outcome.body, "<h1>Bad gateway</h1>");
        assert_eq!(outcome.headline(), "502 Bad Gateway");
    }

    #[test]
    fn problem_without_title() {
        let outcome = problem(403, r#"{"reason":"insufficient_scope"}"#);
        assert_eq!(outcome.title, "Forbidden");
    }
}

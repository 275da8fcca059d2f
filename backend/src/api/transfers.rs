//! `POST /api/transfers`: a state-changing call that needs a live Okta
//! session and the `demo.write` scope. The transfer is validated and
//! acknowledged, not stored, because it only represents a sensitive action.
//!
//! Body (`application/json`):
//!
//! | field | rule |
//! |---|---|
//! | `to_account` | string, 1 to 34 ASCII letters, digits or hyphens |
//! | `amount_cents` | whole number from 1 to 1000000 |
//! | `currency` | three upper-case letters (ISO 4217 form), for example `EUR` |
//! | `memo` | optional string, at most 140 characters, no control characters |

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use serde_json::{Map, Value};

use session_guard::Authorized;

use crate::app::AppState;

/// Largest accepted body, in bytes; a valid transfer is far smaller.
pub(crate) const MAX_TRANSFER_BODY_BYTES: usize = 16 * 1024;

const ROUTE: &str = "/api/transfers";
const FIELDS: &[&str] = &["to_account", "amount_cents", "currency", "memo"];
const MAX_ACCOUNT_LEN: usize = 34;
const MAX_AMOUNT_CENTS: u64 = 1_000_000;
const MAX_MEMO_CHARS: usize = 140;
/// Maximum length, in characters, of an unknown field name echoed in an error.
const MAX_ECHOED_NAME: usize = 64;

/// A validated transfer request.
#[derive(Debug, PartialEq, Eq)]
struct TransferRequest {
    to_account: String,
    amount_cents: u64,
    currency: String,
    memo: Option<String>,
}

/// A body that fails validation: the field at fault (if one is) and why.
#[derive(Debug, PartialEq, Eq)]
struct BodyError {
    field: Option<String>,
    detail: String,
}

#[derive(Serialize)]
struct Accepted<'a> {
    transfer_id: String,
    status: &'static str,
    to_account: &'a str,
    amount_cents: u64,
    currency: &'a str,
    memo: Option<&'a str>,
    requested_by: &'a str,
    user_id: Option<&'a str>,
}

/// Needs the guard's live-session layer with the `demo.write` scope on
/// the route (see `app.rs`), which runs before the body is read.
pub(crate) async fn create_transfer(
    State(state): State<AppState>,
    authorized: Authorized,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if !is_json(&headers) {
        tracing::info!(
            route = ROUTE,
            status = 415,
            "transfer rejected: body is not JSON"
        );
        return state.problems.unsupported_media_type();
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            tracing::info!(
                route = ROUTE,
                status = 413,
                limit = MAX_TRANSFER_BODY_BYTES,
                "transfer rejected: body too large"
            );
            return state.problems.body_too_large(MAX_TRANSFER_BODY_BYTES);
        }
        Err(rejection) => {
            tracing::info!(route = ROUTE, status = 400, error = %rejection.body_text(), "transfer rejected: body unreadable");
            return state
                .problems
                .invalid_body(None, "the request body could not be read");
        }
    };

    let request = match parse(&body) {
        Ok(request) => request,
        Err(error) => {
            tracing::info!(route = ROUTE, status = 400, field = error.field.as_deref(), detail = %error.detail, "transfer rejected: invalid body");
            return state
                .problems
                .invalid_body(error.field.as_deref(), &error.detail);
        }
    };

    let claims = authorized.claims();
    let transfer_id = format!("trf_{}", uuid::Uuid::new_v4().simple());
    state.requests.record_transfer();
    tracing::info!(
        transfer_id,
        user_id = claims.uid.as_deref(),
        amount_cents = request.amount_cents,
        currency = %request.currency,
        "transfer accepted"
    );
    let accepted = Accepted {
        transfer_id,
        status: "accepted",
        to_account: &request.to_account,
        amount_cents: request.amount_cents,
        currency: &request.currency,
        memo: request.memo.as_deref(),
        requested_by: &claims.sub,
        user_id: claims.uid.as_deref(),
    };
    (StatusCode::CREATED, Json(accepted)).into_response()
}

/// Accepts `application/json` and `application/*+json`, with parameters.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn parse(body: &[u8]) -> Result<TransferRequest, BodyError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| whole_body(format!("the body is not valid JSON: {error}")))?;
    let Value::Object(object) = value else {
        return Err(whole_body(
            "the body must be a JSON object with to_account, amount_cents and currency".to_owned(),
        ));
    };
    if let Some(unknown) = object.keys().find(|name| !FIELDS.contains(&name.as_str())) {
        let name: String = unknown.chars().take(MAX_ECHOED_NAME).collect();
        return Err(field_error(
            &name,
            format!(
                "{name} is not a known field; the fields are {}",
                FIELDS.join(", ")
            ),
        ));
    }

    Ok(TransferRequest {
        to_account: to_account(&object)?,
        amount_cents: amount_cents(&object)?,
        currency: currency(&object)?,
        memo: memo(&object)?,
    })
}

fn to_account(object: &Map<String, Value>) -> Result<String, BodyError> {
    const RULE: &str = "to_account must be 1 to 34 ASCII letters, digits or hyphens";
    let value = required_str(object, "to_account", RULE)?;
    let valid = !value.is_empty()
        && value.len() <= MAX_ACCOUNT_LEN
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-');
    if !valid {
        return Err(field_error(
            "to_account",
            format!("{RULE}, got {:?}", shorten(value)),
        ));
    }
    Ok(value.to_owned())
}

fn amount_cents(object: &Map<String, Value>) -> Result<u64, BodyError> {
    let rule = format!("amount_cents must be a whole number of cents from 1 to {MAX_AMOUNT_CENTS}");
    let value = object
        .get("amount_cents")
        .ok_or_else(|| field_error("amount_cents", format!("{rule}; it is missing")))?;
    match value.as_u64() {
        Some(amount) if (1..=MAX_AMOUNT_CENTS).contains(&amount) => Ok(amount),
        _ => Err(field_error(
            "amount_cents",
            format!("{rule}, got {}", shorten(&value.to_string())),
        )),
    }
}

fn currency(object: &Map<String, Value>) -> Result<String, BodyError> {
    const RULE: &str = "currency must be three upper-case letters, for example \"EUR\"";
    let value = required_str(object, "currency", RULE)?;
    if value.len() != 3 || !value.bytes().all(|byte| byte.is_ascii_uppercase()) {
        return Err(field_error(
            "currency",
            format!("{RULE}, got {:?}", shorten(value)),
        ));
    }
    Ok(value.to_owned())
}

fn memo(object: &Map<String, Value>) -> Result<Option<String>, BodyError> {
    let rule = format!(
        "memo must be a string of at most {MAX_MEMO_CHARS} characters without control characters"
    );
    match object.get("memo") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text))
            if text.chars().count() <= MAX_MEMO_CHARS && !text.chars().any(char::is_control) =>
        {
            Ok(Some(text.clone()))
        }
        Some(Value::String(text)) => Err(field_error(
            "memo",
            format!("{rule}; it has {} characters", text.chars().count()),
        )),
        Some(other) => Err(field_error(
            "memo",
            format!("{rule}, got {}", shorten(&other.to_string())),
        )),
    }
}

fn required_str<'a>(
    object: &'a Map<String, Value>,
    name: &str,
    rule: &str,
) -> Result<&'a str, BodyError> {
    match object.get(name) {
        Some(Value::String(text)) => Ok(text),
        Some(other) => Err(field_error(
            name,
            format!("{rule}, got {}", shorten(&other.to_string())),
        )),
        None => Err(field_error(name, format!("{rule}; it is missing"))),
    }
}

fn field_error(name: &str, detail: String) -> BodyError {
    BodyError {
        field: Some(name.to_owned()),
        detail,
    }
}

fn whole_body(detail: String) -> BodyError {
    BodyError {
        field: None,
        detail,
    }
}

/// Cuts echoed values to 40 characters so an error stays one short line.
fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(40).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(body: &str) -> Option<String> {
        parse(body.as_bytes()).expect_err("body is invalid").field
    }

    #[test]
    fn parse_accepts_valid_body() {
        let request = parse(
            br#"{"to_account":"DE-0042","amount_cents":1250,"currency":"EUR","memo":"rent"}"#,
        )
        .expect("valid body");
        assert_eq!(request.amount_cents, 1250);
        assert_eq!(request.memo.as_deref(), Some("rent"));
    }

    #[test]
    fn parse_names_each_bad_field() {
        let cases = [
            (r#"{"amount_cents":1,"currency":"EUR"}"#, "to_account"),
            (
                r#"{"to_account":"a b","amount_cents":1,"currency":"EUR"}"#,
                "to_account",
            ),
            (
                r#"{"to_account":"A1","amount_cents":0,"currency":"EUR"}"#,
                "amount_cents",
            ),
            (
                r#"{"to_account":"A1","amount_cents":1.5,"currency":"EUR"}"#,
                "amount_cents",
            ),
            (
                r#"{"to_account":"A1","amount_cents":"10","currency":"EUR"}"#,
                "amount_cents",
            ),
            (
                r#"{"to_account":"A1","amount_cents":1000001,"currency":"EUR"}"#,
                "amount_cents",
            ),
            (
                r#"{"to_account":"A1","amount_cents":1,"currency":"eur"}"#,
                "currency",
            ),
            (
                r#"{"to_account":"A1","amount_cents":1,"currency":"EUR","memo":7}"#,
                "memo",
            ),
            (
                r#"{"to_account":"A1","amount_cents":1,"currency":"EUR","extra":true}"#,
                "extra",
            ),
        ];
        for (body, field) in cases {
            assert_eq!(field_of(body).as_deref(), Some(field), "{body}");
        }
    }

    #[test]
    fn parse_rejects_non_object_without_field() {
        assert_eq!(field_of("[1,2]"), None);
        assert_eq!(field_of("not json"), None);
    }

    #[test]
    fn is_json_accepts_parameters_and_suffix() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "Application/JSON; charset=utf-8"
                .parse()
                .expect("static value"),
        );
        assert!(is_json(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            "application/merge-patch+json"
                .parse()
                .expect("static value"),
        );
        assert!(is_json(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            "text/plain".parse().expect("static value"),
        );
        assert!(!is_json(&headers));
    }
}

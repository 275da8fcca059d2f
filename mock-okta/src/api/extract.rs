//! Extractors whose rejections are Okta error bodies rather than axum's
//! plain-text ones.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::OktaError;

/// Like [`axum::Json`], but a missing content type (`415`), a body over the
/// size limit (`413`), malformed JSON or JSON of the wrong shape (`400`)
/// gets Okta's `E0000003` body with the reason in `errorCauses`.
#[derive(Debug, Clone)]
pub struct OktaJson<T>(pub T);

impl<S, T> FromRequest<S> for OktaJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = OktaError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(OktaJson(value)),
            Err(rejection) => {
                let error = rejection_error(&rejection);
                tracing::warn!(status = error.status.as_u16(), cause = %rejection.body_text(), "request body rejected");
                Err(error)
            }
        }
    }
}

fn rejection_error(rejection: &JsonRejection) -> OktaError {
    let cause = rejection.body_text();
    match rejection {
        JsonRejection::MissingJsonContentType(_) => OktaError::unreadable_body(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("{cause}; send Content-Type: application/json"),
        ),
        JsonRejection::BytesRejection(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            OktaError::unreadable_body(StatusCode::PAYLOAD_TOO_LARGE, cause)
        }
        _ => OktaError::malformed_body(cause),
    }
}

/// Like [`axum::extract::Path`], but a path parameter that cannot be
/// decoded (for example percent-encoded bytes that are not UTF-8) gets
/// `404 E0000008`: no resource can have that id.
#[derive(Debug, Clone)]
pub struct OktaPath<T>(pub T);

impl<S, T> FromRequestParts<S> for OktaPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = OktaError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(OktaPath(value)),
            Err(rejection) => {
                tracing::warn!(cause = %rejection.body_text(), "path parameter rejected");
                Err(OktaError::path_not_found())
            }
        }
    }
}

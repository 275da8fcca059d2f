//! A JSON body extractor whose rejections are Okta error bodies.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
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
                tracing::warn!(status = error.status.as_u16(), cause = %rejection.body_text(), "control API request body rejected");
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

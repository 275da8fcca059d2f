//! `fetch` with a timeout, in CORS mode and without cookies: the token
//! endpoint and the back end need none, and sending none keeps a stolen
//! origin from riding a session cookie.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast as _, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, RequestCache, RequestCredentials, RequestInit, RequestMode, Response,
};

use super::{js_message, window};

/// Time allowed for one request, in milliseconds.
pub const TIMEOUT_MS: i32 = 10_000;

/// A request to send.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Absolute URL.
    pub url: String,
    /// Header names and values.
    pub headers: Vec<(&'static str, String)>,
    /// Body text, for `POST`.
    pub body: Option<String>,
}

impl HttpRequest {
    /// Builds a `GET` request.
    pub fn get(url: impl Into<String>) -> Self {
        HttpRequest {
            method: "GET",
            url: url.into(),
            headers: vec![("Accept", "application/json".to_owned())],
            body: None,
        }
    }

    /// Builds a `POST` of a form (`application/x-www-form-urlencoded`).
    pub fn post_form(url: impl Into<String>, form: String) -> Self {
        HttpRequest {
            method: "POST",
            url: url.into(),
            headers: vec![
                ("Accept", "application/json".to_owned()),
                (
                    "Content-Type",
                    "application/x-www-form-urlencoded".to_owned(),
                ),
            ],
            body: Some(form),
        }
    }

    /// Builds a `POST` of a JSON document.
    pub fn post_json(url: impl Into<String>, json: String) -> Self {
        HttpRequest {
            method: "POST",
            url: url.into(),
            headers: vec![
                (
                    "Accept",
                    "application/json, application/problem+json".to_owned(),
                ),
                ("Content-Type", "application/json".to_owned()),
            ],
            body: Some(json),
        }
    }

    /// Adds `Authorization: Bearer <token>`.
    pub fn bearer(mut self, token: &str) -> Self {
        self.headers
            .push(("Authorization", format!("Bearer {token}")));
        self
    }
}

/// The parts of a response the app reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Retry-After` (readable cross-origin only when the server exposes it).
    pub retry_after: Option<String>,
    /// `WWW-Authenticate` (likewise).
    pub www_authenticate: Option<String>,
    /// Body text.
    pub body: String,
}

/// A request that got no HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The browser could not reach the server, or the server's CORS
    /// response did not allow this origin (browsers report both alike).
    #[error(
        "{url} is unreachable ({message}); check that the server runs and allows this origin (CORS)"
    )]
    Unreachable {
        /// The URL.
        url: String,
        /// The browser's message.
        message: String,
    },

    /// No response within [`TIMEOUT_MS`].
    #[error("{url} did not answer within {} s", TIMEOUT_MS / 1000)]
    TimedOut {
        /// The URL.
        url: String,
    },

    /// The request could not be built or the body could not be read.
    #[error("request to {url} failed: {message}")]
    Browser {
        /// The URL.
        url: String,
        /// The browser's message.
        message: String,
    },
}

/// Sends a request and reads the whole response.
///
/// # Errors
/// [`FetchError`] when no HTTP response arrives.
pub async fn send(request: HttpRequest) -> Result<HttpResponse, FetchError> {
    let url = request.url.clone();
    let browser_error = |error: JsValue| FetchError::Browser {
        url: url.clone(),
        message: js_message(&error),
    };
    let window = window().map_err(|error| FetchError::Browser {
        url: url.clone(),
        message: error.to_string(),
    })?;

    let headers = Headers::new().map_err(browser_error)?;
    for (name, value) in &request.headers {
        headers.set(name, value).map_err(browser_error)?;
    }
    let controller = AbortController::new().map_err(browser_error)?;
    let init = RequestInit::new();
    init.set_method(request.method);
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Omit);
    init.set_cache(RequestCache::NoStore);
    init.set_headers(&headers);
    init.set_signal(Some(&controller.signal()));
    if let Some(body) = &request.body {
        init.set_body(&JsValue::from_str(body));
    }

    // Abort the request after the timeout. The flag separates an abort from
    // a network failure, because fetch reports both alike.
    let timed_out = Rc::new(Cell::new(false));
    let on_timeout = {
        let timed_out = Rc::clone(&timed_out);
        Closure::once(move || {
            timed_out.set(true);
            controller.abort();
        })
    };
    let timer = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            on_timeout.as_ref().unchecked_ref(),
            TIMEOUT_MS,
        )
        .map_err(browser_error)?;

    let result = read(&window, &request.url, &init).await;
    window.clear_timeout_with_handle(timer);
    drop(on_timeout);

    result.map_err(|error| {
        if timed_out.get() {
            FetchError::TimedOut { url: url.clone() }
        } else {
            error
        }
    })
}

async fn read(
    window: &web_sys::Window,
    url: &str,
    init: &RequestInit,
) -> Result<HttpResponse, FetchError> {
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .map_err(|error| FetchError::Unreachable {
            url: url.to_owned(),
            message: js_message(&error),
        })?
        .unchecked_into();

    let headers = response.headers();
    let header = |name: &str| headers.get(name).ok().flatten();
    let content_type = header("content-type");
    let retry_after = header("retry-after");
    let www_authenticate = header("www-authenticate");

    let body_error = |error: JsValue| FetchError::Browser {
        url: url.to_owned(),
        message: js_message(&error),
    };
    let text = JsFuture::from(response.text().map_err(body_error)?)
        .await
        .map_err(body_error)?;

    Ok(HttpResponse {
        status: response.status(),
        content_type,
        retry_after,
        www_authenticate,
        body: text.as_string().unwrap_or_default(),
    })
}

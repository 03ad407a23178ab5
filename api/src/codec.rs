//! The codec server: `POST /codec/decode` and `POST /codec/encode`, Temporal's protocol, so
//! the Web UI (`temporal server start-dev --ui-codec-endpoint <base>/codec`) and the CLI
//! (`--codec-endpoint <base>/codec --codec-auth "Bearer <api token>"`) show people allowed to
//! see them what the encrypted chases hold.
//!
//! Only the owner may call it: the API token as a bearer header, or the session from `/login`
//! (the UI sends it when its codec setting "Include cross-origin credentials" is on). Browsers
//! may call it only from the origins in `codec.ui_origins`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use crate::error::ApiError;
use crate::state::AppState;

/// A page of payloads the UI decodes at once stays well under this (Temporal's own limit is
/// 2 MB a payload).
const MAX_BODY: usize = 8 * 1024 * 1024;

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/codec/decode", post(decode).options(preflight))
        .route("/codec/encode", post(encode).options(preflight))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

/// The request's `Origin`, when it is one the config allows.
fn allowed_origin<'h>(state: &AppState, headers: &'h HeaderMap) -> Option<&'h str> {
    let origin = headers.get(header::ORIGIN)?.to_str().ok()?;
    state
        .codec_origins
        .iter()
        .any(|o| o.trim_end_matches('/') == origin)
        .then_some(origin)
}

fn with_cors(state: &AppState, headers: &HeaderMap, mut response: Response) -> Response {
    let out = response.headers_mut();
    out.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = allowed_origin(state, headers)
        && let Ok(value) = HeaderValue::from_str(origin)
    {
        out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        out.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    response
}

/// The browser's preflight: allowed origins learn what they may send; others get nothing.
async fn preflight(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if allowed_origin(&state, &headers).is_none() {
        return StatusCode::FORBIDDEN.into_response();
    }
    let response = (
        StatusCode::NO_CONTENT,
        [
            (header::ACCESS_CONTROL_ALLOW_METHODS, "POST, OPTIONS"),
            (
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                "content-type, x-namespace, authorization, authorization-extras",
            ),
            (header::ACCESS_CONTROL_MAX_AGE, "600"),
        ],
    )
        .into_response();
    with_cors(&state, &headers, response)
}

type Transform = fn(&chaser_codec::Keyring, &[u8]) -> Result<Vec<u8>, chaser_codec::CodecError>;

fn run(state: &AppState, headers: &HeaderMap, body: &[u8], transform: Transform) -> Response {
    let response = if !crate::session::is_owner(state, headers) {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "sign in at /login, or send Authorization: Bearer <http.api_token>",
        )
        .into_response()
    } else {
        match transform(state.codec.keys(), body) {
            Ok(json) => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                json,
            )
                .into_response(),
            Err(e) => ApiError::new(StatusCode::BAD_REQUEST, e.to_string()).into_response(),
        }
    };
    with_cors(state, headers, response)
}

async fn decode(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    run(&state, &headers, &body, chaser_codec::server::decode)
}

async fn encode(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    run(&state, &headers, &body, chaser_codec::server::encode)
}

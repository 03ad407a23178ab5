//! The owner's browser session, and the headers every page carries.
//!
//! The owner signs in once with the API token (`POST /login`, never in a URL, where it would
//! land in history, logs and `Referer` headers) and gets a short-lived session: a cookie
//! holding an expiry and a nonce, signed with a key derived from the API token, so changing
//! the token signs everyone out. The cookie is `HttpOnly`, `SameSite=Strict`, and `Secure`
//! when the server is reached over https. `/review` and the codec server take it, or the
//! token itself as a bearer header (scripts, the Temporal CLI).

use std::sync::Arc;

use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hmac::{Hmac, KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use minijinja::context;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::Sha256;

use crate::pages;
use crate::signed::same_secret;
use crate::state::AppState;

/// How long a session lasts: a working session, not a remembered device.
pub const SESSION_TTL: SignedDuration = SignedDuration::from_hours(2);
pub const COOKIE: &str = "chaser_session";

/// `Content-Security-Policy` of every answer: no scripts, frames, plugins or remote content;
/// the pages' own inline styles only.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

/// Adds the security headers to every answer (pages, JSON and redirects alike).
pub(crate) async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    }
    response
}

fn session_key(api_token: &SecretString) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so neither step can fail.
    let mut derive =
        <Hmac<Sha256> as KeyInit>::new_from_slice(api_token.expose_secret().as_bytes())
            .unwrap_or_else(|_| unreachable!());
    derive.update(b"chaser owner session v1");
    let key = derive.finalize().into_bytes();
    <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap_or_else(|_| unreachable!())
}

/// A session token valid until `now + SESSION_TTL`: `<expiry>.<nonce>.<signature>`.
pub fn new_session(api_token: &SecretString, now: Timestamp) -> String {
    let expires = now
        .checked_add(SESSION_TTL)
        .unwrap_or(Timestamp::MAX)
        .as_second();
    let nonce = nonce(now);
    let body = format!("{expires}.{nonce}");
    let mut mac = session_key(api_token);
    mac.update(body.as_bytes());
    format!("{body}.{}", hex::encode(mac.finalize().into_bytes()))
}

/// A nonce that only distinguishes sessions (the signature is what protects them).
fn nonce(now: Timestamp) -> String {
    use sha2::Digest;
    let digest = Sha256::digest(format!(
        "{}{:?}",
        now.as_nanosecond(),
        std::thread::current().id()
    ));
    hex::encode(&digest[..8])
}

/// Whether `token` is a session this server signed and that has not expired.
pub fn valid_session(api_token: &SecretString, token: &str, now: Timestamp) -> bool {
    let Some((body, signature)) = token.rsplit_once('.') else {
        return false;
    };
    let Ok(signature) = hex::decode(signature) else {
        return false;
    };
    let mut mac = session_key(api_token);
    mac.update(body.as_bytes());
    if mac.verify_slice(&signature).is_err() {
        return false;
    }
    body.split_once('.')
        .and_then(|(expires, _)| expires.parse::<i64>().ok())
        .is_some_and(|expires| now.as_second() <= expires)
}

fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|c| c.split(';'))
        .find_map(|kv| {
            kv.trim()
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('='))
        })
}

/// The owner is asking: the API token as a bearer header, or a valid session cookie.
pub(crate) fn is_owner(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(token) = &state.api_token else {
        return false;
    };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|g| !g.is_empty());
    if bearer.is_some_and(|g| same_secret(g, token.expose_secret())) {
        return true;
    }
    cookie_value(headers, COOKIE).is_some_and(|s| valid_session(token, s, Timestamp::now()))
}

fn sign_in_page(state: &AppState, status: StatusCode, problem: Option<&str>) -> Response {
    let ctx = context! { title => "Sign in", problem, company => &state.company_name };
    pages::render(status, "login.html", ctx)
}

/// `GET /login`: the sign-in form.
async fn login_page(State(state): State<Arc<AppState>>) -> Response {
    if state.api_token.is_none() {
        return pages::notice(
            &state,
            StatusCode::UNAUTHORIZED,
            "Not available",
            "Signing in needs http.api_token to be set.",
        );
    }
    sign_in_page(&state, StatusCode::OK, None)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    token: String,
}

/// `POST /login`: the API token in a form body; a session cookie, then the review.
async fn login(State(state): State<Arc<AppState>>, Form(form): Form<LoginForm>) -> Response {
    let Some(token) = &state.api_token else {
        return login_page(State(state.clone())).await;
    };
    let given = form.token.trim();
    if given.is_empty() || !same_secret(given, token.expose_secret()) {
        return sign_in_page(
            &state,
            StatusCode::UNAUTHORIZED,
            Some("That is not the token. It is http.api_token in the chaser's configuration."),
        );
    }
    let session = new_session(token, Timestamp::now());
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{COOKIE}={session}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{secure}",
        SESSION_TTL.as_secs()
    );
    let mut response = Redirect::to("/review").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// `POST /logout`: forgets the session in this browser.
async fn logout(State(state): State<Arc<AppState>>) -> Response {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let cookie = format!("{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}");
    let mut response = Redirect::to("/login").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_valid_until_it_expires_and_only_under_its_token() {
        let token = SecretString::from("3f9a1c7e5b2d8f4a6c0e9b1d7a3f5c2e".to_owned());
        let now: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        let session = new_session(&token, now);
        assert!(!session.contains(token.expose_secret()));
        assert!(valid_session(&token, &session, now));
        let later = now.checked_add(SESSION_TTL).unwrap();
        assert!(valid_session(&token, &session, later));
        let too_late = later.checked_add(SignedDuration::from_secs(1)).unwrap();
        assert!(!valid_session(&token, &session, too_late));
        let other = SecretString::from("9b1d7a3f5c2e3f9a1c7e5b2d8f4a6c0e".to_owned());
        assert!(!valid_session(&other, &session, now));
        // A later expiry, signed with the old signature: refused.
        let (_, rest) = session.split_once('.').unwrap();
        let stretched = format!("{}.{rest}", now.as_second() + 10_000_000);
        assert!(!valid_session(&token, &stretched, now));
        assert!(!valid_session(&token, "", now));
        assert!(!valid_session(&token, token.expose_secret(), now));
    }
}

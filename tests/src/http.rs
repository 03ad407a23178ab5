//! HTTP as a browser or an integration would speak it: pages, forms, webhooks.

/// Signs and posts a webhook body; returns the status code and the JSON answer.
pub fn post_webhook(url: &str, secret: &str, body: &str) -> (u16, serde_json::Value) {
    let timestamp = jiff::Timestamp::now().as_second().to_string();
    let signature = chaser_intake::signature::sign(secret.as_bytes(), &timestamp, body.as_bytes());
    post_raw(
        url,
        &[
            ("X-Chaser-Timestamp", &timestamp),
            ("X-Chaser-Signature", &signature),
        ],
        body,
    )
}

/// Posts `body` with exactly these headers. Status 0: the server closed the connection while
/// the body was still being sent (it refused to read it all).
pub fn post_raw(url: &str, headers: &[(&str, &str)], body: &str) -> (u16, serde_json::Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent.post(url).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = match request.send(body) {
        Ok(response) => response,
        Err(ureq::Error::Io(e))
            if matches!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
            ) =>
        {
            return (0, serde_json::Value::Null);
        }
        Err(e) => panic!("POST {url}: {e}"),
    };
    let status = response.status().as_u16();
    let json = response
        .body_mut()
        .read_json()
        .unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// An HTTP answer, without following redirects.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub headers: ureq::http::HeaderMap,
    pub body: String,
}

impl Page {
    /// A response header, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

pub(crate) fn page(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Page {
    let mut response = response.unwrap();
    Page {
        status: response.status().as_u16(),
        location: response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        headers: response.headers().clone(),
        body: response.body_mut().read_to_string().unwrap_or_default(),
    }
}

/// `GET url`.
pub fn get(url: &str) -> Page {
    page(agent().get(url).call())
}

/// `GET url` with these headers.
pub fn get_with(url: &str, headers: &[(&str, &str)]) -> Page {
    let mut request = agent().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    page(request.call())
}

/// `POST url` with a form body.
pub fn post_form(url: &str, form: &[(&str, &str)]) -> Page {
    post_form_with(url, &[], form)
}

/// `POST url` with a form body and these headers.
pub fn post_form_with(url: &str, headers: &[(&str, &str)], form: &[(&str, &str)]) -> Page {
    let mut request = agent().post(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    page(request.send_form(form.iter().copied()))
}

/// The first link in `text` whose path starts with `path` (e.g. `/pay/`).
pub fn link(text: &str, path: &str) -> String {
    text.split_whitespace()
        .find(|word| word.starts_with("http") && word.contains(path))
        .unwrap_or_else(|| panic!("no {path} link in: {text}"))
        .trim_end_matches(['.', ',', ')'])
        .to_owned()
}

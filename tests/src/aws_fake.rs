//! A local stand-in for Textract and Bedrock that speaks their wire protocols, so the real
//! aws-sdk-textract and aws-sdk-bedrockruntime clients can be pointed at it (moto's versions
//! are broken or empty for these two). `DetectDocumentText` is AWS JSON 1.1 (`X-Amz-Target`);
//! `Converse` is REST-JSON at `/model/{id}/converse`. Answers are set per fake; every request
//! is recorded.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// A request the fake received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `Textract.DetectDocumentText`, or `converse:<model id>`.
    pub operation: String,
    pub body: Value,
}

struct Canned {
    lines: Vec<String>,
    proposal: Value,
    /// The answer to a Converse call without tools (the monthly narrative).
    narrative: String,
    seen: Mutex<Vec<Seen>>,
}

pub struct AwsFake {
    pub url: String,
    canned: Arc<Canned>,
}

impl AwsFake {
    /// Starts the fake: Textract answers with `lines`, the model calls its tool with
    /// `proposal`.
    pub fn start(lines: &[&str], proposal: Value) -> AwsFake {
        Self::serve(Canned {
            lines: lines.iter().map(|l| (*l).to_owned()).collect(),
            proposal,
            narrative: String::new(),
            seen: Mutex::new(vec![]),
        })
    }

    /// A fake model that answers every tool-less Converse call with `narrative`.
    pub fn narrator(narrative: &str) -> AwsFake {
        Self::serve(Canned {
            lines: vec![],
            proposal: Value::Null,
            narrative: narrative.to_owned(),
            seen: Mutex::new(vec![]),
        })
    }

    fn serve(canned: Canned) -> AwsFake {
        let canned = Arc::new(canned);
        let app = Router::new()
            .route("/", post(textract))
            .route("/model/{model}/converse", post(converse))
            .with_state(canned.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the AWS fake");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        listener.set_nonblocking(true).expect("nonblocking");
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let _ = axum::serve(listener, app).await;
            });
        });
        AwsFake { url, canned }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.canned
            .seen
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }
}

fn record(canned: &Canned, operation: String, body: &Bytes) {
    let body = serde_json::from_slice(body).unwrap_or(Value::Null);
    if let Ok(mut seen) = canned.seen.lock() {
        seen.push(Seen { operation, body });
    }
}

async fn textract(State(canned): State<Arc<Canned>>, headers: HeaderMap, body: Bytes) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    record(&canned, target.clone(), &body);
    if target != "Textract.DetectDocumentText" {
        let error = json!({ "__type": "UnknownOperationException", "message": target });
        return (StatusCode::BAD_REQUEST, Json(error)).into_response();
    }
    let mut blocks = vec![json!({ "BlockType": "PAGE", "Id": "page-1", "Confidence": 99.9 })];
    for (i, line) in canned.lines.iter().enumerate() {
        blocks.push(json!({ "BlockType": "LINE", "Id": format!("line-{i}"), "Text": line, "Confidence": 99.1 }));
    }
    let answer = json!({
        "Blocks": blocks,
        "DetectDocumentTextModelVersion": "1.0",
        "DocumentMetadata": { "Pages": 1 }
    });
    (
        [("content-type", "application/x-amz-json-1.1")],
        answer.to_string(),
    )
        .into_response()
}

async fn converse(
    State(canned): State<Arc<Canned>>,
    Path(model): Path<String>,
    body: Bytes,
) -> Response {
    record(&canned, format!("converse:{model}"), &body);
    let asked_for_tool = serde_json::from_slice::<Value>(&body)
        .map(|b| b.get("toolConfig").is_some())
        .unwrap_or(false);
    if !asked_for_tool {
        let answer = json!({
            "output": { "message": { "role": "assistant", "content": [{ "text": canned.narrative }] } },
            "stopReason": "end_turn",
            "usage": { "inputTokens": 300, "outputTokens": 60, "totalTokens": 360 },
            "metrics": { "latencyMs": 5 }
        });
        return Json(answer).into_response();
    }
    let answer = json!({
        "output": { "message": { "role": "assistant", "content": [
            { "toolUse": { "toolUseId": "tooluse_fake_1", "name": "propose_invoice", "input": canned.proposal } }
        ] } },
        "stopReason": "tool_use",
        "usage": { "inputTokens": 812, "outputTokens": 96, "totalTokens": 908 },
        "metrics": { "latencyMs": 5 }
    });
    Json(answer).into_response()
}

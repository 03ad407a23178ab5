//! `ses_list` against a local stand-in for the SES v2 suppression-list API, two pages long.

#![allow(clippy::unwrap_used)]

use aws_sdk_sesv2::config::{BehaviorVersion, Credentials, Region};
use axum::extract::Query;
use axum::routing::get;
use axum::{Json, Router};
use chaser_activities::suppression::{Suppressed, ses_list};
use serde_json::{Value, json};

async fn list(Query(query): Query<Vec<(String, String)>>) -> Json<Value> {
    let token = query
        .iter()
        .find(|(k, _)| k == "NextToken")
        .map(|(_, v)| v.as_str());
    Json(match token {
        None => json!({
            "SuppressedDestinationSummaries": [
                { "EmailAddress": "Gone@Acme.example", "Reason": "BOUNCE", "LastUpdateTime": 1_790_000_000 }
            ],
            "NextToken": "page-2"
        }),
        Some("page-2") => json!({
            "SuppressedDestinationSummaries": [
                { "EmailAddress": "angry@acme.example", "Reason": "COMPLAINT", "LastUpdateTime": 1_790_000_100 }
            ]
        }),
        Some(other) => panic!("unexpected token {other}"),
    })
}

#[tokio::test]
async fn every_page_of_the_suppression_list_is_read() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = Router::new().route("/v2/email/suppression/addresses", get(list));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let config = aws_sdk_sesv2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url(format!("http://{address}"))
        .build();
    let client = aws_sdk_sesv2::Client::from_conf(config);

    let found = ses_list(&client).await.unwrap();

    assert_eq!(
        found,
        [
            Suppressed {
                address: "gone@acme.example".into(),
                reason: "bounce".into(),
                detail: Some("on the SES account suppression list".into()),
            },
            Suppressed {
                address: "angry@acme.example".into(),
                reason: "complaint".into(),
                detail: Some("on the SES account suppression list".into()),
            },
        ]
    );
}

//! The error answer every JSON door gives, and the body parsing that produces it, shared by
//! the handlers so that they agree on the shape of a refusal.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chaser_app::AppError;
use chaser_intake::webhook::FieldError;
use serde_json::json;

/// An error answer: `{"error": "...", "field": "..."}`.
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
    field: Option<String>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            field: None,
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: e.message,
            field: Some(e.field),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        let status = match &e {
            AppError::UnknownInvoice(_) => StatusCode::NOT_FOUND,
            AppError::Invalid(_) | AppError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Closed { .. } => StatusCode::CONFLICT,
            AppError::Temporal(_) | AppError::Store(_) => {
                tracing::error!(error.message = %e, "webhook processing failed");
                return ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily unavailable, retry later",
                );
            }
        };
        ApiError::new(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match self.field {
            Some(field) => json!({ "error": self.message, "field": field }),
            None => json!({ "error": self.message }),
        };
        (self.status, Json(body)).into_response()
    }
}

/// A JSON body as `T`: 400 naming the field that does not fit.
pub(crate) fn parse_json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let json: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the body is not JSON: {e}"),
        )
    })?;
    serde_path_to_error::deserialize(&json).map_err(|e| {
        FieldError {
            field: e.path().to_string(),
            message: e.inner().to_string(),
        }
        .into()
    })
}

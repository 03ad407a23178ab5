//! The few HTML pages people see: link outcomes, the bank-transfer page, confirmations,
//! approvals, and the owner's cockpit and invoice pages. Rendered with minijinja, HTML
//! auto-escaped.

use std::sync::LazyLock;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chaser_activities::store::Approval;
use chaser_domain::Invoice;
use minijinja::{Environment, context};

use crate::state::AppState;

static PAGES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    for (name, source) in [
        ("layout.html", include_str!("../pages/layout.html")),
        ("notice.html", include_str!("../pages/notice.html")),
        (
            "bank_transfer.html",
            include_str!("../pages/bank_transfer.html"),
        ),
        (
            "confirm_action.html",
            include_str!("../pages/confirm_action.html"),
        ),
        ("approval.html", include_str!("../pages/approval.html")),
        ("proposal.html", include_str!("../pages/proposal.html")),
        ("cockpit.html", include_str!("../pages/cockpit.html")),
        ("invoice.html", include_str!("../pages/invoice.html")),
        ("login.html", include_str!("../pages/login.html")),
        (
            "summary_email.html",
            include_str!("../pages/summary_email.html"),
        ),
        (
            "proposal_email.html",
            include_str!("../pages/proposal_email.html"),
        ),
    ] {
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(error.message = %e, page = name, "a page template does not parse");
        }
    }
    env
});

pub(crate) fn render(status: StatusCode, page: &str, ctx: minijinja::Value) -> Response {
    match PAGES.get_template(page).and_then(|t| t.render(ctx)) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error.message = %e, page, "a page did not render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side.",
            )
                .into_response()
        }
    }
}

/// A page as a string, for e-mails to the owner.
pub fn render_string(page: &str, ctx: minijinja::Value) -> Result<String, String> {
    PAGES
        .get_template(page)
        .and_then(|t| t.render(ctx))
        .map_err(|e| format!("the page {page} did not render: {e}"))
}

pub fn notice(state: &AppState, status: StatusCode, title: &str, message: &str) -> Response {
    render(
        status,
        "notice.html",
        context! { title, message, company => &state.company_name },
    )
}

pub fn bank_transfer(state: &AppState, invoice: &Invoice) -> Response {
    let bank_details = state
        .bank_details
        .as_deref()
        .unwrap_or("Please reply to our e-mail for our bank details.");
    let ctx = context! {
        title => format!("Pay invoice {}", invoice.number),
        invoice => invoice.number.as_str(),
        amount => invoice.balance.grouped(),
        bank_details,
        company => &state.company_name,
    };
    render(StatusCode::OK, "bank_transfer.html", ctx)
}

pub fn confirm(
    state: &AppState,
    title: &str,
    question: &str,
    button: &str,
    expires: &str,
) -> Response {
    render(
        StatusCode::OK,
        "confirm_action.html",
        context! { title, question, button, expires, company => &state.company_name },
    )
}

pub fn approval(state: &AppState, invoice: &str, approval: &Approval) -> Response {
    let to: Vec<&str> = approval.recipients["to"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .collect();
    let ctx = context! {
        title => "Approve this message?",
        invoice,
        to => to.join(", "),
        subject => &approval.subject,
        text => &approval.text_body,
        expires => approval.expires_at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        company => &state.company_name,
    };
    render(StatusCode::OK, "approval.html", ctx)
}

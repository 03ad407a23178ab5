//! Signed links in e-mails: the customer's pay link, the owner's one-tap actions, and
//! approval links.
//!
//! A token is `base64url(claims JSON) . base64url(HMAC-SHA256(secret, claims JSON))`. It names
//! its purpose and expires; single-use links carry a nonce that the store spends on use. The
//! nonce is derived from the link's content, so a retried activity renders the same link.
//!
//! A crate of its own, with no Temporal, AWS or store in its dependencies: the activities sign
//! links and the HTTP server checks the tokens that strangers send back, and that check is
//! fuzzed (`fuzz/fuzz_targets/link_tokens.rs`), which must build without the SDKs. Neither
//! `chaser-domain` (no secrets or HMAC there) nor `chaser-intake` (documents in) is its home.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// The customer's way to pay: redirect to the pay URL, or show bank details.
    Pay,
    /// One of the owner's one-tap actions on a chase.
    Act,
    /// Approving (or rejecting) a message that waits for a human.
    Approve,
    /// Approving (or rejecting) an invoice read from a forwarded document.
    Proposal,
    /// The owner's global stop: hold all sending, or resume it (the subject says which).
    Sending,
}

/// What a [`Purpose::Sending`] link does: its subject, and the path its links live under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendingSwitch {
    Pause,
    Resume,
}

impl SendingSwitch {
    pub const PATH: &'static str = "sending";

    pub fn as_str(self) -> &'static str {
        match self {
            SendingSwitch::Pause => "pause",
            SendingSwitch::Resume => "resume",
        }
    }

    pub fn parse(subject: &str) -> Option<SendingSwitch> {
        [SendingSwitch::Pause, SendingSwitch::Resume]
            .into_iter()
            .find(|s| s.as_str() == subject)
    }
}

/// The owner's one-tap actions, as their links name them (`Claims::subject` of an `Act`
/// link). The emails that write links and the page that acts on them share this list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkAction {
    Pause7d,
    Dispute,
    Writeoff,
    Resume,
    ResolveResume,
    Promise7d,
    Disable,
    Enable,
    /// The owner knows it is paid: the chase ends and the customer is thanked.
    Paid,
    /// Send a step again whose first attempt has an unknown fate (see [`Act::on_step`]).
    Resend,
    /// Hold a step due today until tomorrow.
    Hold,
    /// Leave a failed or uncertain step as it is: the chase goes on without it.
    Dismiss,
}

impl LinkAction {
    pub const ALL: [LinkAction; 12] = [
        LinkAction::Pause7d,
        LinkAction::Dispute,
        LinkAction::Writeoff,
        LinkAction::Resume,
        LinkAction::ResolveResume,
        LinkAction::Promise7d,
        LinkAction::Disable,
        LinkAction::Enable,
        LinkAction::Paid,
        LinkAction::Resend,
        LinkAction::Hold,
        LinkAction::Dismiss,
    ];

    /// The name in the link's claims.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkAction::Pause7d => "pause_7d",
            LinkAction::Dispute => "dispute",
            LinkAction::Writeoff => "writeoff",
            LinkAction::Resume => "resume",
            LinkAction::ResolveResume => "resolve_resume",
            LinkAction::Promise7d => "promise_7d",
            LinkAction::Disable => "disable",
            LinkAction::Enable => "enable",
            LinkAction::Paid => "mark_paid",
            LinkAction::Resend => "resend",
            LinkAction::Hold => "hold",
            LinkAction::Dismiss => "dismiss",
        }
    }

    /// Acts on one step of the chase, which the link names.
    pub fn takes_step(self) -> bool {
        matches!(
            self,
            LinkAction::Resend | LinkAction::Hold | LinkAction::Dismiss
        )
    }

    pub fn parse(name: &str) -> Option<LinkAction> {
        LinkAction::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// What an `Act` link asks for: the action, and for a step's action (resend, hold, dismiss)
/// the step. Its subject is the action's name (`pause_7d`), or `resend:<step id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Act {
    pub action: LinkAction,
    /// The step, for the actions that [take one](LinkAction::takes_step).
    pub step: Option<String>,
}

impl Act {
    /// An action on the whole chase.
    pub fn on_chase(action: LinkAction) -> Act {
        Act { action, step: None }
    }

    /// An action on one step: resend, hold or dismiss it.
    pub fn on_step(action: LinkAction, step: &str) -> Act {
        Act {
            action,
            step: Some(step.to_owned()),
        }
    }

    pub fn subject(&self) -> String {
        match &self.step {
            Some(step) => format!("{}:{step}", self.action.as_str()),
            None => self.action.as_str().to_owned(),
        }
    }

    /// A subject as [`Act::subject`] writes it; a step's action must name a step, nothing
    /// else may.
    pub fn parse(subject: &str) -> Option<Act> {
        match subject.split_once(':') {
            Some((name, step)) => {
                let action = LinkAction::parse(name)?;
                (action.takes_step() && !step.trim().is_empty()).then(|| Act::on_step(action, step))
            }
            None => {
                let action = LinkAction::parse(subject)?;
                (!action.takes_step()).then_some(Act::on_chase(action))
            }
        }
    }
}

/// What a link says. Verified before anything acts on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    #[serde(rename = "p")]
    pub purpose: Purpose,
    /// The invoice number, as written.
    #[serde(rename = "i")]
    pub invoice: String,
    #[serde(rename = "w")]
    pub workflow_id: String,
    /// The action (`pause_7d`, `dispute`, `writeoff`) or the message key awaiting approval.
    #[serde(rename = "a", default, skip_serializing_if = "String::is_empty")]
    pub subject: String,
    /// Who the link was made for (the owner's address; empty for the customer's pay link).
    #[serde(rename = "f", default, skip_serializing_if = "String::is_empty")]
    pub issued_to: String,
    /// Unix seconds.
    #[serde(rename = "e")]
    pub expires: i64,
    #[serde(rename = "n")]
    pub nonce: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("this link is not valid: it was changed or is incomplete")]
    Tampered,
    #[error("this link expired on {0}")]
    Expired(Timestamp),
    #[error("this link is meant for something else")]
    WrongPurpose,
}

/// Signs and checks links, and knows the public address they point at.
#[derive(Clone)]
pub struct Links {
    secret: Vec<u8>,
    base_url: String,
}

fn mac(secret: &[u8], data: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac
}

impl Links {
    pub fn new(secret: &str, base_url: &str) -> Links {
        Links {
            secret: secret.as_bytes().to_vec(),
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// A claims set valid for `ttl` from `now`, with a nonce derived from its content.
    pub fn claims(
        purpose: Purpose,
        invoice: &str,
        workflow_id: &str,
        subject: &str,
        issued_to: &str,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> Claims {
        let expires = now.checked_add(ttl).unwrap_or(Timestamp::MAX).as_second();
        let digest = Sha256::digest(
            format!("{purpose:?}|{workflow_id}|{subject}|{issued_to}|{expires}").as_bytes(),
        );
        Claims {
            purpose,
            invoice: invoice.to_owned(),
            workflow_id: workflow_id.to_owned(),
            subject: subject.to_owned(),
            issued_to: issued_to.to_owned(),
            expires,
            nonce: hex::encode(&digest[..12]),
        }
    }

    /// The public address links point at, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn token(&self, claims: &Claims) -> String {
        // Serializing a struct of strings and integers cannot fail.
        let json = serde_json::to_vec(claims).unwrap_or_default();
        let signature = mac(&self.secret, &json).finalize().into_bytes();
        format!("{}.{}", B64.encode(&json), B64.encode(signature))
    }

    /// The full URL of a link: `<base>/<path>/<token>`.
    pub fn url(&self, path: &str, claims: &Claims) -> String {
        format!(
            "{}/{}/{}",
            self.base_url,
            path.trim_matches('/'),
            self.token(claims)
        )
    }

    /// The owner's link to hold or resume all sending, for `issued_to`, valid for `ttl`.
    pub fn sending_url(
        &self,
        switch: SendingSwitch,
        issued_to: &str,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> String {
        let claims = Links::claims(
            Purpose::Sending,
            "",
            "",
            switch.as_str(),
            issued_to,
            now,
            ttl,
        );
        self.url(SendingSwitch::PATH, &claims)
    }

    /// Checks a token's signature, purpose and expiry (in that order: an altered token is
    /// reported as such, never as expired).
    pub fn verify(
        &self,
        token: &str,
        purpose: Purpose,
        now: Timestamp,
    ) -> Result<Claims, LinkError> {
        let (body, signature) = token.split_once('.').ok_or(LinkError::Tampered)?;
        let json = B64.decode(body).map_err(|_| LinkError::Tampered)?;
        let signature = B64.decode(signature).map_err(|_| LinkError::Tampered)?;
        mac(&self.secret, &json)
            .verify_slice(&signature)
            .map_err(|_| LinkError::Tampered)?;
        let claims: Claims = serde_json::from_slice(&json).map_err(|_| LinkError::Tampered)?;
        if claims.purpose != purpose {
            return Err(LinkError::WrongPurpose);
        }
        if now.as_second() > claims.expires {
            return Err(LinkError::Expired(
                Timestamp::from_second(claims.expires).unwrap_or(Timestamp::MIN),
            ));
        }
        Ok(claims)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_act_subject_reads_back_and_a_step_action_needs_its_step() {
        for action in LinkAction::ALL {
            let act = if action.takes_step() {
                Act::on_step(action, "nudge")
            } else {
                Act::on_chase(action)
            };
            assert_eq!(Act::parse(&act.subject()), Some(act));
        }
        assert_eq!(
            Act::on_step(LinkAction::Resend, "final:2").subject(),
            "resend:final:2"
        );
        assert_eq!(
            Act::parse("resend:final:2"),
            Some(Act::on_step(LinkAction::Resend, "final:2"))
        );
        for bad in [
            "resend",
            "resend:",
            "resend: ",
            "hold",
            "dismiss:",
            "pause_7d:nudge",
            "nope",
            "",
        ] {
            assert_eq!(Act::parse(bad), None, "{bad}");
        }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_link_verifies_until_it_expires_and_not_after_tampering() {
        let links = Links::new("secret", "https://chaser.example/");
        let now = ts("2026-11-21T10:00:00Z");
        let claims = Links::claims(
            Purpose::Pay,
            "INV-1",
            "invoice-INV-1",
            "",
            "",
            now,
            SignedDuration::from_hours(24),
        );
        let token = links.token(&claims);
        assert_eq!(links.verify(&token, Purpose::Pay, now), Ok(claims.clone()));
        assert!(
            links
                .url("pay", &claims)
                .starts_with("https://chaser.example/pay/")
        );
        assert_eq!(
            links.verify(&token, Purpose::Act, now),
            Err(LinkError::WrongPurpose)
        );
        assert_eq!(
            links.verify(&token, Purpose::Pay, ts("2026-11-22T10:00:01Z")),
            Err(LinkError::Expired(ts("2026-11-22T10:00:00Z")))
        );
        // Changing any byte of the claims, or another secret, breaks the signature.
        let (body, sig) = token.split_once('.').unwrap();
        let mut json = B64.decode(body).unwrap();
        let at = json.iter().position(|b| *b == b'1').unwrap();
        json[at] = b'2';
        let forged = format!("{}.{sig}", B64.encode(&json));
        assert_eq!(
            links.verify(&forged, Purpose::Pay, now),
            Err(LinkError::Tampered)
        );
        assert_eq!(
            Links::new("other", "x").verify(&token, Purpose::Pay, now),
            Err(LinkError::Tampered)
        );
        assert_eq!(
            links.verify("garbage", Purpose::Pay, now),
            Err(LinkError::Tampered)
        );
        assert_eq!(
            links.verify("a.b", Purpose::Pay, now),
            Err(LinkError::Tampered)
        );
    }

    #[test]
    fn the_same_link_content_gets_the_same_nonce() {
        let now = ts("2026-11-21T10:00:00Z");
        let day = SignedDuration::from_hours(24);
        let a = Links::claims(
            Purpose::Act,
            "INV-1",
            "invoice-INV-1",
            "dispute",
            "o@x.example",
            now,
            day,
        );
        let b = Links::claims(
            Purpose::Act,
            "INV-1",
            "invoice-INV-1",
            "dispute",
            "o@x.example",
            now,
            day,
        );
        let c = Links::claims(
            Purpose::Act,
            "INV-1",
            "invoice-INV-1",
            "writeoff",
            "o@x.example",
            now,
            day,
        );
        assert_eq!(a.nonce, b.nonce);
        assert_ne!(a.nonce, c.nonce);
    }
}

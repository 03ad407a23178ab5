//! Building a message: the links it carries (pay, one-tap actions, the hold on sending) and
//! its rendering for the step, as the deliver and approval paths both need it.

use chaser_domain::{Settings, StepState, Zone};
use chaser_workflows::contracts::{MessageKind, SendRequest};
use jiff::Timestamp;

use crate::links::{LinkAction, Links, Purpose, SendingSwitch};
use crate::locale;
use crate::mail::OutgoingEmail;
use crate::render::{ActionLinks, MessageContext, Presentation, family_for};

use super::ChaseActivities;

impl ChaseActivities {
    /// The owner's one-tap link to hold all sending.
    pub(super) fn pause_link(&self, request: &SendRequest, now: Timestamp) -> String {
        self.links.sending_url(
            SendingSwitch::Pause,
            request.invoice.owner_email.as_str(),
            now,
            self.sender.action_link_ttl,
        )
    }

    /// Links and formatting for one message.
    pub(super) fn presentation(&self, request: &SendRequest, now: Timestamp) -> Presentation {
        let invoice = &request.invoice;
        let number = invoice.number.as_str();
        let pay = Links::claims(
            Purpose::Pay,
            number,
            &request.workflow_id,
            "",
            "",
            now,
            self.sender.pay_link_ttl,
        );
        let actions = (request.kind == MessageKind::OwnerEscalation).then(|| {
            let owner = invoice.owner_email.as_str();
            let link = |action: LinkAction| {
                let claims = Links::claims(
                    Purpose::Act,
                    number,
                    &request.workflow_id,
                    action.as_str(),
                    owner,
                    now,
                    self.sender.action_link_ttl,
                );
                self.links.url("act", &claims)
            };
            ActionLinks {
                pause_7d: link(LinkAction::Pause7d),
                dispute: link(LinkAction::Dispute),
                writeoff: link(LinkAction::Writeoff),
            }
        });
        // Every message to the owner carries the global stop, and no customer's message
        // does: an overridden template could show it.
        let pause_sending =
            (request.kind == MessageKind::OwnerEscalation).then(|| self.pause_link(request, now));
        Presentation {
            locale: String::new(),
            pay_link: self.links.url("pay", &pay),
            actions,
            approval: None,
            note: request.note.clone(),
            pause_sending,
        }
    }

    /// Renders the message and returns it with the amount due as written in it.
    pub(super) fn compose(
        &self,
        request: &SendRequest,
        settings: &Settings,
        now: Timestamp,
    ) -> Result<(OutgoingEmail, String), crate::render::RenderError> {
        let zone: Zone = request
            .step
            .as_ref()
            .map(|s| s.zone.clone())
            .or_else(|| request.invoice.customer_time_zone.clone())
            .unwrap_or_else(|| settings.time_zone.clone());
        let today = now.to_zoned(zone.tz().clone()).date();
        let family = match (request.kind, &request.step) {
            (MessageKind::ThankYou, _) => "thank_you".to_owned(),
            (MessageKind::OwnerEscalation, _) => "escalation".to_owned(),
            (MessageKind::Reminder, Some(step)) => {
                family_for(&step.template, &request.invoice, &request.history, today)
            }
            (MessageKind::Reminder, None) => "past_due".to_owned(),
        };
        let history: Vec<_> = request
            .history
            .iter()
            .filter(|h| h.state != StepState::Pending)
            .cloned()
            .collect();
        let locale = request
            .invoice
            .locale
            .as_ref()
            .map_or(settings.locale.clone(), |l| l.as_str().to_owned());
        let amount_text = locale::money(&request.invoice.balance, &locale);
        let presentation = Presentation {
            locale,
            ..self.presentation(request, now)
        };
        let context = MessageContext::new(
            &self.sender.company,
            &request.invoice,
            request.step.as_ref(),
            &history,
            today,
            presentation,
        );
        let rendered = self.renderer.render(&family, &context)?;
        let email = OutgoingEmail {
            from: self.sender.from.clone(),
            reply_to: self.sender.reply_to.clone(),
            to: request.to.iter().map(ToString::to_string).collect(),
            cc: request.cc.iter().map(ToString::to_string).collect(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            attachments: vec![],
        };
        Ok((email, amount_text))
    }
}

//! Which events a write produces: the one rule the transactional outbox follows
//! (`crates/worker/src/repo/outbox.rs` writes the events in the write's own D1 batch, so an
//! event exists if and only if its write committed).
//!
//! | write | events, in order |
//! | --- | --- |
//! | referral created (API, or a click becoming a lead) | `referral.created`, then `referral.converted` if it was created paying |
//! | referral changed through the API | `referral.updated`, then `referral.converted` if it became paying |
//! | sale recorded | `sale.created`, `commission.created` if it earned one, `referral.converted` if it made the referral paying |
//! | refund recorded | `sale.refunded`, then `commission.voided` (a pending commission voided) or `commission.created` (a clawback) |
//! | commission marked paid or voided | `commission.paid` or `commission.voided` |
//! | manual commission made | `commission.created` |
//! | payout made by a run | `payout.created` |
//! | payout marked paid, failed or canceled | `payout.paid`, `payout.failed`, nothing |

use crate::commission::{CommissionStatus, RefundEffect};
use crate::payout::PayoutStatus;
use crate::webhooks::EventType;
use crate::Lifecycle;
use alloc::vec;
use alloc::vec::Vec;

/// The object an event's `data` is ([`EventType`]'s resource as the API returns it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventObject {
    /// A referral (`GET /v1/referrals/{id}`).
    Referral,
    /// A sale (as in `POST /v1/track/sale`'s answer).
    Sale,
    /// A commission (`GET /v1/commissions/{id}`).
    Commission,
    /// A payout (`GET /v1/payouts/{id}`, with its commissions).
    Payout,
    /// A coupon code (`GET /v1/coupons/{id}`).
    Coupon,
}

impl EventType {
    /// The object the event's `data` is.
    pub fn object(self) -> EventObject {
        match self {
            EventType::ReferralCreated | EventType::ReferralConverted | EventType::ReferralUpdated => {
                EventObject::Referral
            }
            EventType::SaleCreated | EventType::SaleRefunded => EventObject::Sale,
            EventType::CommissionCreated | EventType::CommissionPaid | EventType::CommissionVoided => {
                EventObject::Commission
            }
            EventType::PayoutCreated | EventType::PayoutPaid | EventType::PayoutFailed => EventObject::Payout,
            EventType::CouponCreated | EventType::CouponArchived => EventObject::Coupon,
        }
    }
}

/// Whether `after` made the referral paying for the first time.
fn became_paying(before: &Lifecycle, after: &Lifecycle) -> bool {
    before.became_conversion_at.is_none() && after.became_conversion_at.is_some()
}

/// The events of a referral's creation: `before` is the click it was (or
/// [`Lifecycle::CLICK`] for one created without a click), `after` what it became.
pub fn referral_created(before: &Lifecycle, after: &Lifecycle) -> Vec<EventType> {
    let mut events = vec![EventType::ReferralCreated];
    if became_paying(before, after) {
        events.push(EventType::ReferralConverted);
    }
    events
}

/// The events of an API change of a referral from `before` to `after`.
pub fn referral_updated(before: &Lifecycle, after: &Lifecycle) -> Vec<EventType> {
    let mut events = vec![EventType::ReferralUpdated];
    if became_paying(before, after) {
        events.push(EventType::ReferralConverted);
    }
    events
}

/// The events of a sale recorded on a referral that moved from `before` to `after`, with or
/// without a commission.
pub fn sale_recorded(before: &Lifecycle, after: &Lifecycle, earned: bool) -> Vec<EventType> {
    let mut events = vec![EventType::SaleCreated];
    if earned {
        events.push(EventType::CommissionCreated);
    }
    if became_paying(before, after) {
        events.push(EventType::ReferralConverted);
    }
    events
}

/// The events of a refund with core's [`RefundEffect`] on the sale's commission.
pub fn refund_recorded(effect: RefundEffect) -> Vec<EventType> {
    match effect {
        RefundEffect::Void => vec![EventType::SaleRefunded, EventType::CommissionVoided],
        RefundEffect::Clawback(_) => vec![EventType::SaleRefunded, EventType::CommissionCreated],
        RefundEffect::Reduce(_) | RefundEffect::Nothing => vec![EventType::SaleRefunded],
    }
}

/// The event of a commission's move to `to` (`None` for a move that is not one: staying
/// `pending`).
pub fn commission_moved(to: CommissionStatus) -> Option<EventType> {
    match to {
        CommissionStatus::Paid => Some(EventType::CommissionPaid),
        CommissionStatus::Voided => Some(EventType::CommissionVoided),
        CommissionStatus::Pending => None,
    }
}

/// The events of a manual commission (`POST /v1/commissions`): `commission.created`.
pub fn commission_made() -> Option<EventType> {
    Some(EventType::CommissionCreated)
}

/// The events of creating a coupon code.
pub fn coupon_created() -> Vec<EventType> {
    vec![EventType::CouponCreated]
}

/// The events of a coupon update that leaves it `archived` where it was `was_archived`:
/// `coupon.archived` when it became archived; none otherwise (a restore or a rename is the
/// merchant's own change, answered in the request).
pub fn coupon_updated(was_archived: bool, archived: bool) -> Vec<EventType> {
    if archived && !was_archived {
        vec![EventType::CouponArchived]
    } else {
        Vec::new()
    }
}

/// The events of a payout run making a payout.
pub fn payout_created() -> Vec<EventType> {
    vec![EventType::PayoutCreated]
}

/// The events of a payout's move to `to`: `payout.paid` or `payout.failed`; none for
/// `processing` or `canceled` (the merchant's own decisions, answered in the request).
pub fn payout_moved(to: PayoutStatus) -> Vec<EventType> {
    match to {
        PayoutStatus::Paid => vec![EventType::PayoutPaid],
        PayoutStatus::Failed => vec![EventType::PayoutFailed],
        PayoutStatus::Pending | PayoutStatus::Processing | PayoutStatus::Canceled => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Status, Timestamp};

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(1_800_000_000 + s)
    }

    #[test]
    fn a_referral_created_paying_is_also_converted() {
        let lead = Lifecycle::CLICK.transition(Status::Lead, at(0)).unwrap();
        let paying = Lifecycle::CLICK.transition(Status::Customer, at(0)).unwrap();
        assert_eq!(referral_created(&Lifecycle::CLICK, &lead), vec![EventType::ReferralCreated]);
        assert_eq!(
            referral_created(&Lifecycle::CLICK, &paying),
            vec![EventType::ReferralCreated, EventType::ReferralConverted]
        );
    }

    #[test]
    fn converted_only_the_first_time() {
        let lead = Lifecycle::CLICK.transition(Status::Lead, at(0)).unwrap();
        let paying = lead.transition(Status::Customer, at(1)).unwrap();
        assert_eq!(referral_updated(&lead, &lead), vec![EventType::ReferralUpdated]);
        assert_eq!(referral_updated(&lead, &paying), vec![EventType::ReferralUpdated, EventType::ReferralConverted]);
        let again = paying.record_sale(at(2)).unwrap();
        assert_eq!(sale_recorded(&paying, &again, true), vec![EventType::SaleCreated, EventType::CommissionCreated]);
        assert_eq!(
            sale_recorded(&lead, &lead.record_sale(at(2)).unwrap(), false),
            vec![EventType::SaleCreated, EventType::ReferralConverted]
        );
    }

    #[test]
    fn refunds_and_commission_moves() {
        assert_eq!(refund_recorded(RefundEffect::Nothing), vec![EventType::SaleRefunded]);
        assert_eq!(refund_recorded(RefundEffect::Reduce(5)), vec![EventType::SaleRefunded]);
        assert_eq!(refund_recorded(RefundEffect::Void), vec![EventType::SaleRefunded, EventType::CommissionVoided]);
        assert_eq!(
            refund_recorded(RefundEffect::Clawback(-5)),
            vec![EventType::SaleRefunded, EventType::CommissionCreated]
        );
        assert_eq!(commission_moved(CommissionStatus::Paid), Some(EventType::CommissionPaid));
        assert_eq!(commission_moved(CommissionStatus::Voided), Some(EventType::CommissionVoided));
        assert_eq!(commission_moved(CommissionStatus::Pending), None);
        assert_eq!(payout_created(), vec![EventType::PayoutCreated]);
        assert_eq!(payout_moved(PayoutStatus::Paid), vec![EventType::PayoutPaid]);
        assert_eq!(payout_moved(PayoutStatus::Failed), vec![EventType::PayoutFailed]);
        for quiet in [PayoutStatus::Pending, PayoutStatus::Processing, PayoutStatus::Canceled] {
            assert!(payout_moved(quiet).is_empty(), "{quiet}");
        }
    }

    #[test]
    fn a_coupon_is_archived_once() {
        assert_eq!(coupon_created(), vec![EventType::CouponCreated]);
        assert_eq!(coupon_updated(false, true), vec![EventType::CouponArchived]);
        for (was, is) in [(false, false), (true, true), (true, false)] {
            assert!(coupon_updated(was, is).is_empty(), "{was} → {is}");
        }
    }

    #[test]
    fn every_event_type_has_its_object() {
        for e in EventType::ALL {
            let object = e.object();
            let prefix = match object {
                EventObject::Referral => "referral.",
                EventObject::Sale => "sale.",
                EventObject::Commission => "commission.",
                EventObject::Payout => "payout.",
                EventObject::Coupon => "coupon.",
            };
            assert!(e.as_str().starts_with(prefix), "{e:?}");
        }
    }
}

//! «Задолженности» and «Оплатить» on both databases, with the built-in sandbox acquirer: the happy
//! path with its receipt, refusals, idempotency, races, a lost webhook (the crash between the
//! acquirer's confirmation and the database write), forged and replayed webhooks, authority.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use chrono::Duration;
use domain::payments::{DebtKey, PayForm, PaymentStatus};
use std::sync::{Arc, Mutex};
use store::payments::provider::{BoxFuture, PaymentProvider, ProviderStatus, WebhookError};
use store::payments::sandbox::Sandbox;
use store::{Store, StoreError};

/// Webhooks the sandbox sent, kept for the test to deliver, drop or replay.
type Mailbox = Arc<Mutex<Vec<(String, String)>>>;

async fn sandbox(store: &Store) -> (Arc<Sandbox>, Mailbox) {
    let mailbox: Mailbox = Arc::default();
    let m = mailbox.clone();
    let sb = Sandbox::new(
        store.clone(),
        Duration::zero(),
        Duration::seconds(60),
        Arc::new(move |sig, body| {
            m.lock().unwrap().push((sig, body));
            Box::pin(async {})
        }),
    )
    .await
    .unwrap();
    (sb, mailbox)
}

/// Lets the acquirer decide and hands its webhooks to the cabinet.
async fn settle(store: &Store, sb: &Sandbox, mailbox: &Mailbox) {
    sb.run_due().await.unwrap();
    let hooks: Vec<_> = std::mem::take(&mut *mailbox.lock().unwrap());
    for (sig, body) in hooks {
        store.payment_webhook(sb, &sig, &body).await.unwrap();
    }
}

async fn demo_ph(s: &Store) -> String {
    s.accessible_policyholders("acc-demo").await.unwrap()[0]
        .id
        .clone()
}

fn form(items: &[String], card: &str, key: &str) -> PayForm {
    PayForm {
        items: items.to_vec(),
        method: "card".into(),
        card_number: card.into(),
        card_expiry: "12/30".into(),
        card_holder: "IVAN PETROV".into(),
        accept_terms: true,
        idempotency_key: format!("{key:0>20}"),
        ..PayForm::default()
    }
}

const GOOD: &str = "4242 4242 4242 4242";

/// «Оплатить» and «Подтвердить» with the code from the SMS, as the demo citizen; the payment's id.
async fn start_and_confirm(
    s: &Store,
    provider: &dyn PaymentProvider,
    ph: &str,
    form: &PayForm,
) -> String {
    let id = s
        .start_payment(provider, "acc-demo", ph, form)
        .await
        .unwrap();
    let code = common::last_code(s, &phone(s).await).await;
    s.confirm_payment(provider, "acc-demo", &id, &code)
        .await
        .unwrap();
    id
}

async fn phone(s: &Store) -> String {
    s.account("acc-demo").await.unwrap().phone
}

/// The oldest overdue contribution with a penalty, and a fine.
async fn pick(s: &Store, ph: &str) -> (String, String) {
    let debts = s.debts("acc-demo", ph).await.unwrap();
    let c = debts
        .rows
        .iter()
        .find(|d| d.key.starts_with("c-") && d.days_overdue > 0)
        .expect("an overdue contribution in the demo data")
        .key
        .clone();
    let f = debts
        .rows
        .iter()
        .find(|d| d.key.starts_with("f-"))
        .map(|d| d.key.clone())
        .unwrap_or_default();
    (c, f)
}

both!(paying_debts_by_card_makes_them_paid_with_a_receipt, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = demo_ph(s).await;
    let (sb, mailbox) = sandbox(s).await;
    let before = s.debts("acc-demo", &ph).await.unwrap();
    assert!(
        before.rows.iter().any(|d| d.penalty.0 > 0),
        "пени where the programme defines them"
    );
    let balance = s.balance("acc-demo", &ph).await.unwrap();
    let (c, f) = pick(s, &ph).await;
    let mut items = vec![c.clone()];
    if !f.is_empty() {
        items.push(f.clone());
    }
    let expected: i64 = before
        .rows
        .iter()
        .filter(|d| items.contains(&d.key))
        .map(|d| d.total().0)
        .sum();
    let id = s
        .start_payment(&*sb, "acc-demo", &ph, &form(&items, GOOD, "k1"))
        .await
        .unwrap();
    let view = s.payment("acc-demo", &ph, &id).await.unwrap();
    assert_eq!(view.status, PaymentStatus::AwaitingCode);
    assert_eq!(view.amount.0, expected, "the sum is the debts' with пени");
    assert_eq!(view.method_label, "Visa •••• 4242");
    assert!(view.code_sent_to.is_some());
    let code = common::last_code(s, &phone(s).await).await;
    // A wrong code is refused and counted.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    match s.confirm_payment(&*sb, "acc-demo", &id, wrong).await {
        Err(StoreError::Invalid(e)) => {
            assert!(e.get("code").unwrap().contains("Осталось попыток: 4"))
        }
        other => panic!("wrong code accepted: {other:?}"),
    }
    let v = s
        .confirm_payment(&*sb, "acc-demo", &id, &code)
        .await
        .unwrap();
    assert_eq!(v.status, PaymentStatus::Processing);
    assert_eq!(sb.charges_of(&id).await.unwrap(), 1);
    // While it is processing the debts show as being paid.
    assert!(
        s.debts("acc-demo", &ph)
            .await
            .unwrap()
            .in_progress
            .contains(&c)
    );
    settle(s, &sb, &mailbox).await;
    let v = s.payment("acc-demo", &ph, &id).await.unwrap();
    assert_eq!(v.status, PaymentStatus::Succeeded);
    assert_eq!(v.documents.len(), 2, "a receipt and an invoice");
    let after = s.debts("acc-demo", &ph).await.unwrap();
    assert!(
        after.rows.iter().all(|d| !items.contains(&d.key)),
        "paid debts are gone"
    );
    let principal: i64 = before
        .rows
        .iter()
        .filter(|d| items.contains(&d.key))
        .map(|d| d.amount.0)
        .sum();
    assert_eq!(
        s.balance("acc-demo", &ph).await.unwrap().to_pay.0,
        balance.to_pay.0 - principal
    );
    // The contribution is paid in «Взносы» too.
    let cid = match DebtKey::parse(&c).unwrap() {
        DebtKey::Contribution(id) => id,
        DebtKey::Charge(_) => unreachable!(),
    };
    let detail = s.contribution("acc-demo", &ph, &cid).await.unwrap();
    assert_eq!(detail.row.paid, detail.row.amount);
    // The receipt, as the PDF reads, and the e-mail it went with.
    let receipt = v.documents.iter().find(|d| d.kind == "receipt").unwrap();
    let (name, pdf) = s.document_pdf("acc-demo", &ph, &receipt.id).await.unwrap();
    assert!(name.starts_with("chek-2"), "{name}");
    let text = common::pdf_text(&pdf);
    assert!(text.contains(&receipt.number), "{text}");
    assert!(text.contains(&v.number));
    assert!(text.contains("Visa •••• 4242"));
    assert!(text.contains("Итого оплачено"));
    let invoice = v.documents.iter().find(|d| d.kind == "invoice").unwrap();
    let (_, pdf) = s.document_pdf("acc-demo", &ph, &invoice.id).await.unwrap();
    let text = common::pdf_text(&pdf);
    assert!(text.contains("Счёт-фактура"), "{text}");
    assert!(text.contains("Без НДС"));
    let email = s.account("acc-demo").await.unwrap().email;
    let mail = s
        .outbox(20)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.recipient == email && m.subject.contains(&v.number))
        .expect("the receipt was e-mailed");
    assert!(
        mail.body.contains(&format!("Вложение: {name}")),
        "{}",
        mail.body
    );
    let (docs, total) = s.documents("acc-demo", &ph, 1).await.unwrap();
    assert_eq!(total, 2);
    assert_eq!(docs.len(), 2);
    let (history, n) = s.payments("acc-demo", &ph, 1).await.unwrap();
    assert_eq!(n, 1);
    assert_eq!(history[0].status, "succeeded");
    // The card number is nowhere in the database.
    let dump: Vec<String> = store::on_pool!(s, p => sqlx::query_scalar(
        "SELECT method_label || provider_token || body_hash FROM payments",
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert!(dump.iter().all(|r| !r.contains("4242424242424242")));
    // Paying it again is refused before anything is sent.
    match s
        .start_payment(&*sb, "acc-demo", &ph, &form(&items, GOOD, "k2"))
        .await
    {
        Err(StoreError::Refused(m)) => assert!(m.contains("Уже оплачено"), "{m}"),
        other => panic!("a paid debt paid again: {other:?}"),
    }
});

both!(a_declined_card_leaves_the_debt_unpaid_and_says_why, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = demo_ph(s).await;
    let (sb, mailbox) = sandbox(s).await;
    let (c, _) = pick(s, &ph).await;
    for (card, words) in [
        ("4000 0000 0000 9995", "Недостаточно средств"),
        ("4000 0000 0000 0069", "заблокирована"),
    ] {
        let id = start_and_confirm(
            s,
            &*sb,
            &ph,
            &form(std::slice::from_ref(&c), card, &card.replace(" ", "")),
        )
        .await;
        settle(s, &sb, &mailbox).await;
        let v = s.payment("acc-demo", &ph, &id).await.unwrap();
        assert_eq!(v.status, PaymentStatus::Declined);
        assert!(
            v.reason.as_deref().unwrap().contains(words),
            "{:?}",
            v.reason
        );
        assert!(v.documents.is_empty());
        let debts = s.debts("acc-demo", &ph).await.unwrap();
        assert!(debts.rows.iter().any(|d| d.key == c), "still owed");
        assert!(debts.in_progress.is_empty(), "the claim is released");
    }
    // Then a good card pays it.
    let id = start_and_confirm(s, &*sb, &ph, &form(std::slice::from_ref(&c), GOOD, "good")).await;
    settle(s, &sb, &mailbox).await;
    assert_eq!(
        s.payment("acc-demo", &ph, &id).await.unwrap().status,
        PaymentStatus::Succeeded
    );
});

both!(one_key_one_payment_and_one_charge, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = demo_ph(s).await;
    let (sb, mailbox) = sandbox(s).await;
    let (c, _) = pick(s, &ph).await;
    let f = form(std::slice::from_ref(&c), GOOD, "same-key");
    // 100 parallel «Оплатить» with one key: one payment.
    let ids = futures_util::future::join_all((0..100).map(|_| {
        let (s, sb, ph, f) = (s.clone(), sb.clone(), ph.clone(), f.clone());
        async move { s.start_payment(&*sb, "acc-demo", &ph, &f).await.unwrap() }
    }))
    .await;
    assert!(ids.iter().all(|i| *i == ids[0]));
    let (_, n) = s.payments("acc-demo", &ph, 1).await.unwrap();
    assert_eq!(n, 1, "one payment record");
    // The same key with another body is refused.
    let mut other = f.clone();
    other.card_number = "2200 0000 0000 0004".into();
    match s.start_payment(&*sb, "acc-demo", &ph, &other).await {
        Err(StoreError::Refused(m)) => assert!(m.contains("другими данными"), "{m}"),
        x => panic!("another body under the same key: {x:?}"),
    }
    // 100 parallel confirmations: one charge at the acquirer, all answered.
    let id = ids[0].clone();
    let code = common::last_code(s, &phone(s).await).await;
    let views = futures_util::future::join_all((0..100).map(|_| {
        let (s, sb, id, code) = (s.clone(), sb.clone(), id.clone(), code.clone());
        async move { s.confirm_payment(&*sb, "acc-demo", &id, &code).await }
    }))
    .await;
    for v in &views {
        let v = v
            .as_ref()
            .expect("every confirmation is answered with the payment");
        assert_eq!(v.id, id);
        assert_ne!(v.status, PaymentStatus::AwaitingCode);
    }
    assert_eq!(sb.charges_of(&id).await.unwrap(), 1, "charged once");
    settle(s, &sb, &mailbox).await;
    // A confirmation after the end changes nothing.
    let again = s
        .confirm_payment(&*sb, "acc-demo", &id, &code)
        .await
        .unwrap();
    assert_eq!(again.status, PaymentStatus::Succeeded);
    assert_eq!(sb.charges_of(&id).await.unwrap(), 1);
    let paid: i64 = store::on_pool!(s, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM payments WHERE status = 'succeeded'",
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!(paid, 1);
});

both!(parallel_payments_for_one_debt_pay_it_once, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = demo_ph(s).await;
    let (sb, mailbox) = sandbox(s).await;
    let (c, _) = pick(s, &ph).await;
    let mut started = Vec::new();
    for i in 0..100 {
        let id = s
            .start_payment(
                &*sb,
                "acc-demo",
                &ph,
                &form(std::slice::from_ref(&c), GOOD, &format!("p{i}")),
            )
            .await
            .unwrap();
        let code = common::last_code(s, &phone(s).await).await;
        started.push((id, code));
    }
    let results = futures_util::future::join_all(started.iter().map(|(id, code)| {
        let (s, sb) = (s.clone(), sb.clone());
        async move { s.confirm_payment(&*sb, "acc-demo", id, code).await }
    }))
    .await;
    let went_on = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(went_on, 1, "one payment goes on");
    for r in &results {
        if let Err(e) = r {
            match e {
                StoreError::Refused(m) => assert!(m.contains("Уже оплачено"), "{m}"),
                other => panic!("unexpected: {other:?}"),
            }
        }
    }
    settle(s, &sb, &mailbox).await;
    let (ok, charged): (i64, i64) = store::on_pool!(s, p => sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM payments WHERE status = 'succeeded'), (SELECT COUNT(*) FROM sandbox_operations)",
    )
    .fetch_one(p)
    .await)
    .unwrap();
    assert_eq!((ok, charged), (1, 1));
});

both!(a_lost_webhook_is_settled_after_a_restart, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = demo_ph(s).await;
    let (sb, mailbox) = sandbox(s).await;
    let (c, _) = pick(s, &ph).await;
    let id = start_and_confirm(s, &*sb, &ph, &form(std::slice::from_ref(&c), GOOD, "lost")).await;
    // The acquirer confirms; the process dies before it records it: the webhook never lands.
    sb.run_due().await.unwrap();
    mailbox.lock().unwrap().clear();
    assert!(matches!(
        sb.status(&id).await.unwrap(),
        ProviderStatus::Succeeded { .. }
    ));
    // A new process starts; the reconciler waits a little for late webhooks, then asks.
    let restarted = db.second_process().await;
    let (sb2, _) = sandbox(&restarted).await;
    assert_eq!(
        restarted.reconcile_payments(&*sb2).await.unwrap(),
        0,
        "too early"
    );
    db.clock.advance(Duration::seconds(
        store::payments::RECONCILE_AFTER_SECONDS + 1,
    ));
    assert_eq!(restarted.reconcile_payments(&*sb2).await.unwrap(), 1);
    assert_eq!(
        restarted.reconcile_payments(&*sb2).await.unwrap(),
        0,
        "once"
    );
    let v = restarted.payment("acc-demo", &ph, &id).await.unwrap();
    assert_eq!(v.status, PaymentStatus::Succeeded);
    assert_eq!(v.documents.len(), 2);
    assert!(
        restarted
            .debts("acc-demo", &ph)
            .await
            .unwrap()
            .rows
            .iter()
            .all(|d| d.key != c)
    );
    assert_eq!(sb2.charges_of(&id).await.unwrap(), 1);
    restarted.close().await;
});

/// An acquirer that cannot be reached: the charge never arrives.
struct Unreachable(Arc<Sandbox>);

impl PaymentProvider for Unreachable {
    fn tokenize<'a>(
        &'a self,
        method: &'a domain::payments::ValidMethod,
    ) -> BoxFuture<'a, store::StoreResult<String>> {
        self.0.tokenize(method)
    }
    fn charge<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: domain::Money,
    ) -> BoxFuture<'a, store::StoreResult<()>> {
        Box::pin(async { Err(StoreError::Internal("connection refused".into())) })
    }
    fn status<'a>(
        &'a self,
        order_id: &'a str,
    ) -> BoxFuture<'a, store::StoreResult<ProviderStatus>> {
        self.0.status(order_id)
    }
    fn verify_webhook(
        &self,
        signature: &str,
        body: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<store::payments::WebhookEvent, WebhookError> {
        self.0.verify_webhook(signature, body, now)
    }
}

both!(a_charge_that_never_arrived_is_released, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = demo_ph(s).await;
    let (sb, _) = sandbox(s).await;
    let down = Unreachable(sb.clone());
    let (c, _) = pick(s, &ph).await;
    let id = s
        .start_payment(
            &down,
            "acc-demo",
            &ph,
            &form(std::slice::from_ref(&c), GOOD, "down"),
        )
        .await
        .unwrap();
    let code = common::last_code(s, &phone(s).await).await;
    let v = s
        .confirm_payment(&down, "acc-demo", &id, &code)
        .await
        .unwrap();
    assert_eq!(v.status, PaymentStatus::Processing);
    db.clock.advance(Duration::seconds(
        store::payments::RECONCILE_AFTER_SECONDS + 1,
    ));
    assert_eq!(s.reconcile_payments(&*sb).await.unwrap(), 1);
    let v = s.payment("acc-demo", &ph, &id).await.unwrap();
    assert_eq!(v.status, PaymentStatus::Failed);
    assert!(v.reason.unwrap().contains("не дошёл"));
    let debts = s.debts("acc-demo", &ph).await.unwrap();
    assert!(debts.rows.iter().any(|d| d.key == c));
    assert!(debts.in_progress.is_empty());
    // A card that never gets an answer times out the same way.
    let id = start_and_confirm(
        s,
        &*sb,
        &ph,
        &form(std::slice::from_ref(&c), "4000 0000 0000 0119", "slow"),
    )
    .await;
    db.clock.advance(Duration::seconds(30));
    assert_eq!(
        s.reconcile_payments(&*sb).await.unwrap(),
        0,
        "still waiting for the bank"
    );
    db.clock.advance(Duration::seconds(31));
    assert_eq!(s.reconcile_payments(&*sb).await.unwrap(), 1);
    let v = s.payment("acc-demo", &ph, &id).await.unwrap();
    assert_eq!(v.status, PaymentStatus::Failed);
    assert!(v.reason.unwrap().contains("не ответил"));
});

both!(forged_stale_and_replayed_webhooks_are_refused, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = demo_ph(s).await;
    let (sb, mailbox) = sandbox(s).await;
    let (c, _) = pick(s, &ph).await;
    let id = start_and_confirm(s, &*sb, &ph, &form(std::slice::from_ref(&c), GOOD, "hooks")).await;
    sb.run_due().await.unwrap();
    let (sig, body) = mailbox.lock().unwrap().pop().unwrap();
    // A body changed after signing, a made-up signature, an old timestamp.
    let tampered = body.replace("\"amount\":", "\"amount\":1");
    assert_eq!(
        s.payment_webhook(&*sb, &sig, &tampered).await,
        Err(WebhookError::BadSignature)
    );
    assert_eq!(
        s.payment_webhook(&*sb, "t=1,v1=00", &body).await,
        Err(WebhookError::BadSignature)
    );
    let old = s.now().timestamp() - 3600;
    let stale_sig = sb.signature(old, &body).unwrap();
    assert_eq!(
        s.payment_webhook(&*sb, &stale_sig, &body).await,
        Err(WebhookError::Stale)
    );
    assert_eq!(
        s.payment("acc-demo", &ph, &id).await.unwrap().status,
        PaymentStatus::Processing,
        "nothing changed"
    );
    s.payment_webhook(&*sb, &sig, &body).await.unwrap();
    assert_eq!(
        s.payment_webhook(&*sb, &sig, &body).await,
        Err(WebhookError::Replayed)
    );
    assert_eq!(
        s.payment("acc-demo", &ph, &id).await.unwrap().status,
        PaymentStatus::Succeeded
    );
});

both!(others_get_not_found_and_codes_expire, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = demo_ph(s).await;
    let (sb, _) = sandbox(s).await;
    let (c, _) = pick(s, &ph).await;
    let id = s
        .start_payment(
            &*sb,
            "acc-demo",
            &ph,
            &form(std::slice::from_ref(&c), GOOD, "mine"),
        )
        .await
        .unwrap();
    let code = common::last_code(s, &phone(s).await).await;
    let rep_ph = s.accessible_policyholders("acc-rep").await.unwrap()[0]
        .id
        .clone();
    assert!(matches!(
        s.debts("acc-rep", &ph).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.payment("acc-rep", &ph, &id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.payment("acc-rep", &rep_ph, &id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.confirm_payment(&*sb, "acc-rep", &id, &code).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.start_payment(
            &*sb,
            "acc-rep",
            &ph,
            &form(std::slice::from_ref(&c), GOOD, "theirs")
        )
        .await,
        Err(StoreError::NotFound)
    ));
    // Another policyholder's debt key under one's own policyholder is not found among the debts.
    match s
        .start_payment(
            &*sb,
            "acc-rep",
            &rep_ph,
            &form(std::slice::from_ref(&c), GOOD, "cross"),
        )
        .await
    {
        Err(StoreError::Refused(_)) => {}
        other => panic!("another's debt accepted: {other:?}"),
    }
    assert!(matches!(
        s.documents("acc-rep", &ph, 1).await,
        Err(StoreError::NotFound)
    ));
    // A code not entered in time ends the payment; nothing is charged.
    db.clock
        .advance(Duration::minutes(store::payments::CODE_TTL_MINUTES + 1));
    let v = s
        .confirm_payment(&*sb, "acc-demo", &id, &code)
        .await
        .unwrap();
    assert_eq!(v.status, PaymentStatus::Failed);
    assert!(v.reason.unwrap().contains("истекло"));
    assert_eq!(sb.charges_of(&id).await.unwrap(), 0);
});

both!(bad_fields_are_named, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = demo_ph(s).await;
    let (sb, _) = sandbox(s).await;
    let (c, _) = pick(s, &ph).await;
    let mut f = form(std::slice::from_ref(&c), "4242 4242 4242 4241", "bad");
    f.card_expiry = "01/20".into();
    f.accept_terms = false;
    match s.start_payment(&*sb, "acc-demo", &ph, &f).await {
        Err(StoreError::Invalid(e)) => {
            assert!(e.get("card_number").is_some());
            assert!(e.get("card_expiry").unwrap().contains("истёк"));
            assert!(e.get("accept_terms").is_some());
        }
        other => panic!("bad form accepted: {other:?}"),
    }
});

/// The child half of the crash test: pays on the database the parent names, and dies (abort, as a
/// power cut) between the acquirer's confirmation and the database write. Does nothing when run
/// on its own.
#[tokio::test]
async fn crash_child() {
    let Ok(url) = std::env::var("KABINET_CRASH_CHILD_DB") else {
        return;
    };
    let clock = Arc::new(store::ManualClock::default());
    let s = Store::open(common::options(url, clock)).await.unwrap();
    let ph = demo_ph(&s).await;
    let (sb, mailbox) = sandbox(&s).await;
    let (c, _) = pick(&s, &ph).await;
    let id = s
        .start_payment(
            &*sb,
            "acc-demo",
            &ph,
            &form(std::slice::from_ref(&c), GOOD, "crash"),
        )
        .await
        .unwrap();
    let code = common::last_code(&s, &phone(&s).await).await;
    s.confirm_payment(&*sb, "acc-demo", &id, &code)
        .await
        .unwrap();
    println!("\nPAYMENT_ID={id}");
    // KABINET_CRASH_AT=payment.before_record stops the process inside.
    settle(&s, &sb, &mailbox).await;
    panic!("the process should have stopped before recording the payment");
}

both!(
    a_process_killed_before_recording_is_settled_on_restart,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let ph = demo_ph(s).await;
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env("KABINET_CRASH_CHILD_DB", db.url())
            .env("KABINET_CRASH_AT", "payment.before_record")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            !out.status.success(),
            "the child was stopped: {stdout} {stderr}"
        );
        assert!(
            stderr.contains("KABINET_CRASH_AT=payment.before_record"),
            "{stderr}"
        );
        let id = stdout
            .lines()
            .find_map(|l| l.strip_prefix("PAYMENT_ID="))
            .expect("the child started a payment")
            .trim()
            .to_string();
        // The acquirer charged; the cabinet has not recorded it.
        let (sb, _) = sandbox(s).await;
        assert!(matches!(
            sb.status(&id).await.unwrap(),
            ProviderStatus::Succeeded { .. }
        ));
        assert_eq!(
            s.payment("acc-demo", &ph, &id).await.unwrap().status,
            PaymentStatus::Processing
        );
        // The restarted server's reconciler completes it, once.
        db.clock.advance(Duration::seconds(
            store::payments::RECONCILE_AFTER_SECONDS + 1,
        ));
        assert_eq!(s.reconcile_payments(&*sb).await.unwrap(), 1);
        assert_eq!(s.reconcile_payments(&*sb).await.unwrap(), 0);
        let v = s.payment("acc-demo", &ph, &id).await.unwrap();
        assert_eq!(v.status, PaymentStatus::Succeeded);
        assert_eq!(sb.charges_of(&id).await.unwrap(), 1);
        let succeeded: i64 = store::on_pool!(s, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM payments WHERE status = 'succeeded'",
    )
    .fetch_one(p)
    .await)
        .unwrap();
        assert_eq!(succeeded, 1);
    }
);

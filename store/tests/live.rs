//! Reminders, notices, staff charges and the live event fan-out, on both databases.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use common::own;

use chrono::Duration;
use domain::forms::ChargeForm;
use domain::query::TableQuery;
use store::StoreError;
use store::events::{account_topic, policyholder_topic};

async fn first_contribution(s: &store::Store, account: &str, ph: &str) -> String {
    s.contributions(account, ph, &TableQuery::default())
        .await
        .unwrap()
        .rows[0]
        .id
        .clone()
}

both!(a_reminder_goes_out_once_by_mail_and_notice, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = own(s, "acc-demo").await;
    let c = first_contribution(s, "acc-demo", &ph).await;
    let at = s.now() + Duration::minutes(1);
    let id = s.add_reminder("acc-demo", &ph, &c, at).await.unwrap();
    let list = s.reminders("acc-demo", &ph, Some(&c)).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, id);
    assert!(list[0].sent_at.is_none());

    // Not yet due: nothing goes out.
    assert_eq!(s.run_due_reminders().await.unwrap(), 0);
    db.clock.advance(Duration::seconds(61));
    // Two processes race for it: exactly one sends it.
    let other = db.second_process().await;
    let (a, b) = tokio::join!(s.run_due_reminders(), other.run_due_reminders());
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(s.run_due_reminders().await.unwrap(), 0, "never twice");
    other.close().await;

    let mails: Vec<_> = s
        .outbox(20)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.subject.contains("Напоминание"))
        .collect();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].recipient, "demo@example.ru");
    assert!(mails[0].body.contains(&format!("/contributions/{c}")));
    let (notices, unread) = s.notices("acc-demo", 1).await.unwrap();
    assert_eq!(unread, 1);
    assert!(notices[0].title.starts_with("Напоминание: взнос от "));
    assert_eq!(notices[0].link, format!("/contributions/{c}"));
    s.read_notices("acc-demo").await.unwrap();
    assert_eq!(s.unread_notices("acc-demo").await.unwrap(), 0);
    let list = s.reminders("acc-demo", &ph, None).await.unwrap();
    assert!(list[0].sent_at.is_some(), "shown as sent");
});

both!(reminders_refuse_bad_times_and_other_peoples_objects, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = own(s, "acc-demo").await;
    let c = first_contribution(s, "acc-demo", &ph).await;
    let past = s
        .add_reminder("acc-demo", &ph, &c, s.now() - Duration::minutes(1))
        .await;
    match past {
        Err(StoreError::Invalid(e)) => assert!(e.get("remind_at").unwrap().contains("прошли")),
        other => panic!("{other:?}"),
    }
    let far = s
        .add_reminder("acc-demo", &ph, &c, s.now() + Duration::days(400))
        .await;
    assert!(matches!(far, Err(StoreError::Invalid(_))));
    // Another account's policyholder, or another policyholder's contribution: not found.
    let rep_ph = own(s, "acc-rep").await;
    let rep_c = first_contribution(s, "acc-rep", &rep_ph).await;
    let at = s.now() + Duration::hours(1);
    assert!(matches!(
        s.add_reminder("acc-demo", &rep_ph, &rep_c, at).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.add_reminder("acc-demo", &ph, &rep_c, at).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.reminders("acc-demo", &rep_ph, None).await,
        Err(StoreError::NotFound)
    ));
    let mine = s.add_reminder("acc-demo", &ph, &c, at).await.unwrap();
    assert!(matches!(
        s.delete_reminder("acc-rep", &mine).await,
        Err(StoreError::NotFound)
    ));
    s.delete_reminder("acc-demo", &mine).await.unwrap();
    assert!(s.reminders("acc-demo", &ph, None).await.unwrap().is_empty());
    assert!(matches!(
        s.delete_reminder("acc-demo", &mine).await,
        Err(StoreError::NotFound)
    ));
});

fn penalty(ph: &str, rubles: &str) -> domain::forms::ValidCharge {
    ChargeForm {
        policyholder_id: ph.into(),
        kind: "penalty".into(),
        amount: rubles.into(),
        charged_on: "2026-11-20".into(),
        description: "Штраф за несвоевременную подачу отчёта".into(),
    }
    .validate()
    .unwrap()
}

both!(
    a_staff_charge_changes_the_balance_and_reaches_every_process,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let ph = own(s, "acc-demo").await;
        let before = s.balance("acc-demo", &ph).await.unwrap();
        let other = db.second_process().await;
        let mut here = s.subscribe();
        let mut there = other.subscribe();

        // Citizens are not staff: the action does not exist for them.
        assert!(matches!(
            s.staff_add_charge("acc-demo", &penalty(&ph, "100"), "")
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.staff_policyholders("acc-demo", "").await,
            Err(StoreError::NotFound)
        ));
        let found = s.staff_policyholders("acc-staff", "иванов").await.unwrap();
        assert!(found.iter().any(|p| p.id == ph));

        s.staff_add_charge("acc-staff", &penalty(&ph, "1 500,50"), "127.0.0.1")
            .await
            .unwrap();
        let after = s.balance("acc-demo", &ph).await.unwrap();
        assert_eq!(after.to_pay.0 - before.to_pay.0, 150_050, "to the kopeck");

        let topic = policyholder_topic(&ph);
        for rx in [&mut here, &mut there] {
            let ev = tokio::time::timeout(std::time::Duration::from_secs(10), async {
                loop {
                    let ev = rx.recv().await.unwrap();
                    if ev.topic == topic {
                        return ev;
                    }
                }
            })
            .await
            .expect("the event reaches this process");
            assert_eq!(ev.kind, "balance");
        }
        // A browser that reconnects catches up by id, and only on its own topics.
        let mine = s
            .events_after(0, std::slice::from_ref(&topic))
            .await
            .unwrap();
        assert_eq!(mine.len(), 1);
        let theirs = s
            .events_after(
                0,
                &[policyholder_topic("someone-else"), account_topic("acc-rep")],
            )
            .await
            .unwrap();
        assert!(theirs.is_empty());
        assert!(
            s.events_after(mine[0].id, &[topic])
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(s.last_event_id().await.unwrap(), mine[0].id);
        other.close().await;
    }
);

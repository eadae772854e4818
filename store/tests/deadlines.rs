//! «Сроки» on both databases: the deadlines of the demo citizen, reminders 3 days and 1 day before
//! with a controllable clock (exactly once, also across a second process), «Запросить продление»
//! with the staff's decision, and the private iCal feed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use chrono::Duration;
use store::{Store, StoreError};

async fn demo_ph(s: &Store) -> String {
    s.accessible_policyholders("acc-demo").await.unwrap()[0]
        .id
        .clone()
}

async fn reminder_notices(s: &Store, days: &str) -> usize {
    let (notices, _) = s.notices("acc-demo", 1).await.unwrap();
    notices
        .iter()
        .filter(|n| {
            n.title.contains("Квартальный отчёт")
                && n.title.ends_with(days)
                && n.body.contains("Иванов Иван Петрович")
        })
        .count()
}

both!(reminders_go_out_once_three_days_and_one_day_before, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = demo_ph(s).await;
    let rows = s.deadlines("acc-demo", &ph).await.unwrap();
    let quarterly = rows
        .iter()
        .find(|r| r.kind == "quarterly" && !r.missed)
        .expect("the next quarterly report")
        .clone();
    assert!(quarterly.title.starts_with("Квартальный отчёт за"));
    // Nothing is due yet unless the quarter's deadline is already near.
    let wait = quarterly.due_at - Duration::days(3) - s.now();
    if wait > Duration::zero() {
        s.run_deadline_reminders().await.unwrap();
        assert_eq!(reminder_notices(s, "через 3 дня").await, 0);
        db.clock.advance(wait + Duration::minutes(1));
    }
    let sent = s.run_deadline_reminders().await.unwrap();
    assert!(sent >= 1);
    assert_eq!(reminder_notices(s, "через 3 дня").await, 1);
    // Again, and from another process after a "restart": nothing more.
    assert_eq!(s.run_deadline_reminders().await.unwrap(), 0);
    let other = db.second_process().await;
    assert_eq!(other.run_deadline_reminders().await.unwrap(), 0);
    assert_eq!(reminder_notices(s, "через 3 дня").await, 1);
    // Two days later: the 1-day reminder, once.
    db.clock.advance(Duration::days(2));
    assert!(other.run_deadline_reminders().await.unwrap() >= 1);
    assert_eq!(s.run_deadline_reminders().await.unwrap(), 0);
    assert_eq!(reminder_notices(s, "через 1 день").await, 1);
    assert_eq!(reminder_notices(s, "через 3 дня").await, 1);
    // Both also went by e-mail.
    let mails = s.outbox(200).await.unwrap();
    let to_demo: Vec<_> = mails
        .iter()
        .filter(|m| {
            m.recipient == "demo@example.ru"
                && m.subject.contains("Квартальный отчёт")
                && m.body.contains("Иванов Иван Петрович")
        })
        .collect();
    assert_eq!(to_demo.len(), 2);
    // After the deadline nothing more is sent.
    db.clock.advance(Duration::days(2));
    assert_eq!(s.run_deadline_reminders().await.unwrap(), 0);
    other.close().await;
});

both!(a_missed_deadline_is_extended_by_staff, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = demo_ph(s).await;
    let rows = s.deadlines("acc-demo", &ph).await.unwrap();
    let missed = rows
        .iter()
        .find(|r| r.missed && r.kind == "claim")
        .expect("the demo's missed claim deadline")
        .clone();
    let ahead = rows.iter().find(|r| !r.missed).unwrap().clone();
    assert!(matches!(
        s.request_extension("acc-demo", &ph, &ahead.key, "Болел, справка прилагается")
            .await,
        Err(StoreError::Refused(_))
    ));
    match s
        .request_extension("acc-demo", &ph, &missed.key, "болел")
        .await
    {
        Err(StoreError::Invalid(e)) => assert!(e.get("reasons").is_some()),
        other => panic!("{other:?}"),
    }
    // Somebody else's policyholder: not found.
    let rep_ph = s.accessible_policyholders("acc-rep").await.unwrap()[0]
        .id
        .clone();
    assert!(matches!(
        s.request_extension("acc-rep", &ph, &missed.key, "Болел, справка прилагается")
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.request_extension(
            "acc-rep",
            &rep_ph,
            &missed.key,
            "Болел, справка прилагается"
        )
        .await,
        Err(StoreError::NotFound)
    ));
    let req = s
        .request_extension("acc-demo", &ph, &missed.key, "Болел, справка прилагается")
        .await
        .unwrap();
    assert_eq!(req.status, "pending");
    assert!(req.number.starts_with("ПРД-"));
    assert!(
        req.decision_due_at > s.now() + Duration::days(4),
        "5 working days"
    );
    assert!(matches!(
        s.request_extension("acc-demo", &ph, &missed.key, "Ещё раз, справка прилагается")
            .await,
        Err(StoreError::Refused(_))
    ));
    // Staff only.
    assert!(matches!(
        s.staff_extensions("acc-demo").await,
        Err(StoreError::NotFound)
    ));
    assert!(
        s.staff_extensions("acc-staff")
            .await
            .unwrap()
            .iter()
            .any(|e| e.id == req.id)
    );
    assert!(matches!(
        s.decide_extension("acc-staff", &req.id, true, None, "")
            .await,
        Err(StoreError::Invalid(_))
    ));
    let new_due = s.today() + Duration::days(10);
    let done = s
        .decide_extension("acc-staff", &req.id, true, Some(new_due), "Справка принята")
        .await
        .unwrap();
    assert_eq!(done.status, "approved");
    assert!(matches!(
        s.decide_extension("acc-staff", &req.id, false, None, "нет")
            .await,
        Err(StoreError::Refused(_))
    ));
    let row = s
        .deadlines("acc-demo", &ph)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.key == missed.key)
        .unwrap();
    assert!(!row.missed, "extended into the future");
    assert_eq!(
        row.effective_due()
            .with_timezone(&domain::dates::moscow())
            .date_naive(),
        new_due
    );
    let (notices, _) = s.notices("acc-demo", 1).await.unwrap();
    assert!(notices[0].title.contains("Продление одобрено"));
});

both!(the_ical_feed_is_private, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = demo_ph(s).await;
    let token = s.new_calendar_token("acc-demo", &ph).await.unwrap();
    assert!(s.has_calendar_token("acc-demo", &ph).await.unwrap());
    let ics = s.calendar_feed(&token).await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR"));
    assert!(ics.contains("SUMMARY:Квартальный отчёт за"));
    assert!(matches!(
        s.calendar_feed("0000").await,
        Err(StoreError::NotFound)
    ));
    // A new link replaces the old one.
    let again = s.new_calendar_token("acc-demo", &ph).await.unwrap();
    assert!(matches!(
        s.calendar_feed(&token).await,
        Err(StoreError::NotFound)
    ));
    assert!(s.calendar_feed(&again).await.is_ok());
    let rep_ph = s.accessible_policyholders("acc-rep").await.unwrap()[0]
        .id
        .clone();
    assert!(matches!(
        s.new_calendar_token("acc-demo", &rep_ph).await,
        Err(StoreError::NotFound)
    ));
});

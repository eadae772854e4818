//! Authority that ended stops flowing, on both databases: a contribution reminder of a broker
//! whose agreement has ended is not sent (and is marked, not tried again), a deadline reminder
//! checks the authority as it is claimed, the check an open live stream makes ends it when a
//! topic's authority has gone, and a password reset or an access recovery ends the iCal feed
//! links.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use chrono::Duration;
use domain::query::TableQuery;
use store::events::{StreamCheck, policyholder_topic};
use store::{Store, StoreError};

async fn first_contribution(s: &Store, account: &str, ph: &str) -> String {
    s.contributions(account, ph, &TableQuery::default())
        .await
        .unwrap()
        .rows[0]
        .id
        .clone()
}

async fn mails_to(s: &Store, to: &str, subject: &str) -> usize {
    s.outbox(500)
        .await
        .unwrap()
        .iter()
        .filter(|m| m.recipient == to && m.subject.contains(subject))
        .count()
}

/// A broker client whose agreement is in force today, and the day it ends.
async fn broker_client(s: &Store) -> (String, chrono::NaiveDate) {
    let clients = s.accessible_policyholders("acc-broker").await.unwrap();
    let c = clients
        .iter()
        .find(|p| p.role == "broker")
        .expect("a client under an agreement");
    (c.id.clone(), c.valid_to.expect("the agreement has an end"))
}

both!(a_broker_whose_agreement_ended_gets_no_reminder, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let (client, ends) = broker_client(s).await;
    let c = first_contribution(s, "acc-broker", &client).await;
    // While the agreement is in force a reminder goes out.
    s.add_reminder("acc-broker", &client, &c, s.now() + Duration::minutes(1))
        .await
        .unwrap();
    let later = s
        .add_reminder("acc-broker", &client, &c, s.now() + Duration::days(1))
        .await
        .unwrap();
    db.clock.advance(Duration::minutes(2));
    assert_eq!(s.run_due_reminders().await.unwrap(), 1);
    assert_eq!(
        mails_to(s, "broker@example.ru", "Напоминание: взнос").await,
        1
    );
    // The agreement ends before the second one falls due: nothing goes out, now or later.
    let days = (ends - s.today()).num_days() + 2;
    db.clock.advance(Duration::days(days));
    assert!(matches!(
        s.authorized_policyholder("acc-broker", &client).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.run_due_reminders().await.unwrap(), 0);
    assert_eq!(s.run_due_reminders().await.unwrap(), 0);
    assert_eq!(
        mails_to(s, "broker@example.ru", "Напоминание: взнос").await,
        1,
        "no mail after the agreement ended"
    );
    let (notices, _) = s.notices("acc-broker", 1).await.unwrap();
    assert_eq!(
        notices
            .iter()
            .filter(|n| n.title.starts_with("Напоминание: взнос"))
            .count(),
        1
    );
    // Marked skipped (neither sent nor due any more), once, with a journal line.
    let (sent, skipped): (Option<String>, Option<String>) = store::on_pool!(s, p => sqlx::query_as(
        "SELECT CAST(sent_at AS TEXT), CAST(skipped_at AS TEXT) FROM reminders WHERE id = $1",
    )
    .bind(&later)
    .fetch_one(p)
    .await)
    .unwrap();
    assert!(sent.is_none() && skipped.is_some(), "{sent:?} {skipped:?}");
    let journal = s.journal_for_account("acc-broker", 50, 0).await.unwrap();
    assert_eq!(
        journal
            .iter()
            .filter(|r| r.action == "reminder.skipped" && r.object_id == later)
            .count(),
        1
    );
});

both!(
    a_revoked_power_of_attorney_gets_no_deadline_reminder,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let list = s.accessible_policyholders("acc-demo").await.unwrap();
        let relative = list
            .iter()
            .find(|p| p.role == "trusted")
            .unwrap()
            .id
            .clone();
        let rows = s.deadlines("acc-demo", &relative).await.unwrap();
        let next = rows
            .iter()
            .find(|r| r.kind == "quarterly" && !r.missed)
            .expect("the relative's next quarterly report")
            .clone();
        let wait = next.due_at - Duration::days(3) - s.now();
        if wait > Duration::zero() {
            db.clock.advance(wait + Duration::minutes(1));
        }
        // The power of attorney is revoked (the insurer's record) before the job runs.
        store::on_pool!(s, p => sqlx::query(
        "UPDATE authorities SET revoked_at = $1 WHERE account_id = 'acc-demo' AND policyholder_id = $2",
    )
    .bind(s.now())
    .bind(&relative)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
        s.send_deadline_reminders().await.unwrap();
        let (notices, _) = s.notices("acc-demo", 1).await.unwrap();
        let about = |who: &str| {
            notices
                .iter()
                .filter(|n| n.title.contains("Квартальный отчёт") && n.body.contains(who))
                .count()
        };
        assert_eq!(about("Иванова Анна Сергеевна"), 0, "not for the relative");
        assert_eq!(about("Иванов Иван Петрович"), 1, "his own still comes");
    }
);

both!(
    the_live_stream_check_ends_a_stream_whose_authority_ended,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let (client, _) = broker_client(s).await;
        let token = s
            .create_session("acc-broker", "10.0.0.1", "ua")
            .await
            .unwrap();
        let session = s.session(&token).await.unwrap().unwrap();
        let topics = s.live_topics("acc-broker").await.unwrap();
        assert!(topics.contains(&policyholder_topic(&client)));
        assert!(!topics.contains("staff"));
        assert_eq!(
            s.check_stream(&session.id_hash, "acc-broker", &topics)
                .await
                .unwrap(),
            StreamCheck::Holds
        );
        // The agreement is terminated early: the stream opened with the client's topic must end,
        // and a new one carries only what is left.
        store::on_pool!(s, p => sqlx::query(
        "UPDATE authorities SET revoked_at = $1 WHERE account_id = 'acc-broker' AND policyholder_id = $2",
    )
    .bind(s.now())
    .bind(&client)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
        assert_eq!(
            s.check_stream(&session.id_hash, "acc-broker", &topics)
                .await
                .unwrap(),
            StreamCheck::AuthorityEnded
        );
        let now = s.live_topics("acc-broker").await.unwrap();
        assert!(!now.contains(&policyholder_topic(&client)));
        assert!(now.is_subset(&topics) && now.len() < topics.len());
        assert_eq!(
            s.check_stream(&session.id_hash, "acc-broker", &now)
                .await
                .unwrap(),
            StreamCheck::Holds
        );
        // A session that ended ends the stream as such.
        s.end_all_sessions("acc-broker").await.unwrap();
        assert_eq!(
            s.check_stream(&session.id_hash, "acc-broker", &now)
                .await
                .unwrap(),
            StreamCheck::SessionEnded
        );
        // Staff follow the staff topic.
        assert!(s.live_topics("acc-staff").await.unwrap().contains("staff"));
    }
);

both!(a_password_reset_ends_the_ical_feed_links, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = common::own(s, "acc-broker").await;
    let token = s.new_calendar_token("acc-broker", &ph).await.unwrap();
    assert!(s.calendar_feed(&token).await.is_ok());
    // Somebody else's link stays.
    let demo_ph = common::own(s, "acc-demo").await;
    let other = s.new_calendar_token("acc-demo", &demo_ph).await.unwrap();
    s.start_reset("broker@example.ru", "10.1.1.1")
        .await
        .unwrap();
    let code = common::last_code(s, "broker@example.ru").await;
    s.finish_reset(
        "broker@example.ru",
        &code,
        "Novyi-Parol-2026",
        "Novyi-Parol-2026",
        "10.1.1.1",
    )
    .await
    .unwrap();
    assert!(matches!(
        s.calendar_feed(&token).await,
        Err(StoreError::NotFound)
    ));
    assert!(!s.has_calendar_token("acc-broker", &ph).await.unwrap());
    assert!(s.calendar_feed(&other).await.is_ok());
    let journal = s.journal_for_account("acc-broker", 20, 0).await.unwrap();
    assert!(journal.iter().any(|r| r.action == "calendar.links_revoked"));
    // A new link after the reset works.
    let fresh = s.new_calendar_token("acc-broker", &ph).await.unwrap();
    assert!(s.calendar_feed(&fresh).await.is_ok());
});

both!(an_access_recovery_ends_the_ical_feed_links, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = common::own(s, "acc-demo").await;
    let token = s.new_calendar_token("acc-demo", &ph).await.unwrap();
    let profile = s.profile("acc-demo").await.unwrap();
    let policies = s.list_policies("acc-demo", &ph).await.unwrap();
    let form = domain::forms::AccessRequestForm {
        full_name: "Иванов Иван Петрович".into(),
        id_number: domain::ids::format_snils(&profile.snils.unwrap()),
        policy_number: policies[0].number.clone(),
        contact: "ivanov.home@example.ru".into(),
    };
    let number = s.submit_access_request(&form, "10.0.0.1").await.unwrap();
    assert!(s.calendar_feed(&token).await.is_ok(), "not on application");
    let list = s.staff_access_requests("acc-staff").await.unwrap();
    let id = list.iter().find(|r| r.number == number).unwrap().id.clone();
    s.staff_approve_access(
        &common::full_session(db, "acc-staff").await,
        &id,
        "ivanov.home@example.ru",
        "https://kabinet.example.ru",
        "10.0.0.2",
    )
    .await
    .unwrap();
    assert!(matches!(
        s.calendar_feed(&token).await,
        Err(StoreError::NotFound)
    ));
});

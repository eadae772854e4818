//! «Сроки» on both databases: the deadlines of the demo citizen (quarterly reports, claims, the
//! 24-hour notice of an event whose report is a draft, the compensation request after a
//! certificate), reminders 3 days and 1 day before with a controllable clock (exactly once, also
//! across a second process; the job at most hourly), «Запросить продление» with documents and
//! the staff's decision, and the private iCal feed.

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
        s.send_deadline_reminders().await.unwrap();
        assert_eq!(reminder_notices(s, "через 3 дня").await, 0);
        db.clock.advance(wait + Duration::minutes(1));
    }
    let sent = s.send_deadline_reminders().await.unwrap();
    assert!(sent >= 1);
    assert_eq!(reminder_notices(s, "через 3 дня").await, 1);
    // Again, and from another process after a "restart": nothing more.
    assert_eq!(s.send_deadline_reminders().await.unwrap(), 0);
    let other = db.second_process().await;
    assert_eq!(other.send_deadline_reminders().await.unwrap(), 0);
    assert_eq!(reminder_notices(s, "через 3 дня").await, 1);
    // Two days later: the 1-day reminder, once.
    db.clock.advance(Duration::days(2));
    assert!(other.send_deadline_reminders().await.unwrap() >= 1);
    assert_eq!(s.send_deadline_reminders().await.unwrap(), 0);
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
    assert_eq!(s.send_deadline_reminders().await.unwrap(), 0);
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
        s.request_extension(
            "acc-demo",
            &ph,
            &ahead.key,
            "Болел, справка прилагается",
            &[]
        )
        .await,
        Err(StoreError::Refused(_))
    ));
    match s
        .request_extension("acc-demo", &ph, &missed.key, "болел", &[])
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
        s.request_extension(
            "acc-rep",
            &ph,
            &missed.key,
            "Болел, справка прилагается",
            &[]
        )
        .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.request_extension(
            "acc-rep",
            &rep_ph,
            &missed.key,
            "Болел, справка прилагается",
            &[],
        )
        .await,
        Err(StoreError::NotFound)
    ));
    let req = s
        .request_extension(
            "acc-demo",
            &ph,
            &missed.key,
            "Болел, справка прилагается",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(req.status, "pending");
    assert!(req.number.starts_with("ПРД-"));
    assert!(
        req.decision_due_at > s.now() + Duration::days(4),
        "5 working days"
    );
    assert!(matches!(
        s.request_extension(
            "acc-demo",
            &ph,
            &missed.key,
            "Ещё раз, справка прилагается",
            &[]
        )
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

both!(
    the_reminder_job_runs_at_most_hourly_across_processes,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        assert!(s.run_deadline_reminders().await.unwrap().is_some());
        assert_eq!(s.run_deadline_reminders().await.unwrap(), None);
        // A restarted (or second) process remembers the last run through the database.
        let other = db.second_process().await;
        assert_eq!(other.run_deadline_reminders().await.unwrap(), None);
        db.clock.advance(Duration::minutes(59));
        assert_eq!(other.run_deadline_reminders().await.unwrap(), None);
        db.clock.advance(Duration::minutes(2));
        assert!(other.run_deadline_reminders().await.unwrap().is_some());
        assert_eq!(s.run_deadline_reminders().await.unwrap(), None);
        other.close().await;
    }
);

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

both!(
    an_event_report_draft_owes_its_notice_within_24_hours,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let ph = demo_ph(s).await;
        let policy = s.report_choices("acc-demo", &ph).await.unwrap().policies[0]
            .id
            .clone();
        let id = uuid::Uuid::new_v4().simple().to_string();
        let happened = s.now() - Duration::hours(3);
        let mut form = domain::reports::ReportForm {
            kind: "event".into(),
            policy_id: policy,
            ..Default::default()
        };
        // A draft without the event's time owes nothing yet.
        s.save_report_draft("acc-demo", &ph, &id, &form)
            .await
            .unwrap();
        let key = format!("event_notice:{id}");
        let find =
            |rows: Vec<domain::calendar::DeadlineRow>| rows.into_iter().find(|r| r.key == key);
        assert!(find(s.deadlines("acc-demo", &ph).await.unwrap()).is_none());
        form.occurred_at = domain::dates::to_local_input(happened);
        s.save_report_draft("acc-demo", &ph, &id, &form)
            .await
            .unwrap();
        let row = find(s.deadlines("acc-demo", &ph).await.unwrap()).expect("the notice deadline");
        assert_eq!(row.kind, "event_notice");
        assert_eq!(row.kind_label(), "Сообщить о страховом случае");
        assert!(!row.missed);
        // 24 hours from the minute typed (the form keeps minutes).
        let due = row.due_at - happened;
        assert!(due <= Duration::hours(24) && due > Duration::hours(24) - Duration::minutes(1));
        assert_eq!(
            row.link.as_deref(),
            Some(format!("/reports/new/event?draft={id}").as_str())
        );
        assert!(
            !row.reminded(),
            "a 24-hour window gets no 3-day or 1-day reminder"
        );
        let sent = s.send_deadline_reminders().await.unwrap();
        let (notices, _) = s.notices("acc-demo", 1).await.unwrap();
        assert!(
            notices
                .iter()
                .all(|n| !n.title.contains("Отправить отчёт о страховом случае")),
            "sent {sent}, none about the notice"
        );
        // A day later it is missed (and may be extended); once the report is sent it is gone.
        db.clock.advance(Duration::hours(22));
        let row = find(s.deadlines("acc-demo", &ph).await.unwrap()).unwrap();
        assert!(row.missed);
        s.delete_report_draft("acc-demo", &ph, &id).await.unwrap();
        assert!(find(s.deadlines("acc-demo", &ph).await.unwrap()).is_none());
    }
);

both!(
    a_certificate_starts_the_compensation_request_deadline,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let ph = demo_ph(s).await;
        let policy = s.list_policies("acc-demo", &ph).await.unwrap()[0].clone();
        let certificate = |number: &'static str| store::documents::NewDocument {
            policyholder_id: &ph,
            kind: "certificate",
            number,
            title: "Справка о действии договора страхования",
            policy_id: Some(&policy.id),
            request_id: None,
            rows: vec![],
        };
        let first = s.issue_document(certificate("СПР-ТЕСТ-1")).await.unwrap();
        let compensation = |rows: &[domain::calendar::DeadlineRow]| {
            rows.iter()
                .filter(|r| r.kind == "compensation")
                .cloned()
                .collect::<Vec<_>>()
        };
        let rows = compensation(&s.deadlines("acc-demo", &ph).await.unwrap());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].key, format!("compensation:{first}"));
        assert!(rows[0].title.contains(&policy.number) && rows[0].title.contains("СПР-ТЕСТ-1"));
        assert_eq!(
            rows[0].due_at,
            domain::calendar::compensation_due(s.today()),
            "10 working days on the production calendar"
        );
        assert_eq!(
            rows[0].link.as_deref(),
            Some(format!("/policies/{}/request", policy.id).as_str())
        );
        // Another certificate later: all certificates are in only now, the deadline moves with it.
        db.clock.advance(Duration::days(1));
        let second = s.issue_document(certificate("СПР-ТЕСТ-2")).await.unwrap();
        let rows = compensation(&s.deadlines("acc-demo", &ph).await.unwrap());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].key, format!("compensation:{second}"));
        // Reminders 3 days and 1 day before, once each.
        let due = rows[0].due_at;
        db.clock
            .advance(due - Duration::days(3) - s.now() + Duration::minutes(1));
        assert!(s.send_deadline_reminders().await.unwrap() >= 1);
        assert_eq!(s.send_deadline_reminders().await.unwrap(), 0);
        let about = |n: &domain::model::Notice| n.title.contains("СПР-ТЕСТ-2");
        let (notices, _) = s.notices("acc-demo", 1).await.unwrap();
        assert_eq!(notices.iter().filter(|n| about(n)).count(), 1);
        db.clock.advance(Duration::days(2));
        s.send_deadline_reminders().await.unwrap();
        let (notices, _) = s.notices("acc-demo", 1).await.unwrap();
        assert_eq!(notices.iter().filter(|n| about(n)).count(), 2);
        assert!(
            notices
                .iter()
                .any(|n| about(n) && n.title.ends_with("через 1 день"))
        );
        // The «Выплата» request on that policy is what the deadline asked for: it is gone.
        let payout = domain::requests::RequestForm {
            policy_id: policy.id.clone(),
            kind: "payout".into(),
            phone: "+7 912 345-67-89".into(),
            description: "Прошу произвести выплату по страховому случаю".into(),
            files: vec![],
            idempotency_key: format!("{:0>20}", "payout1"),
        }
        .validate()
        .unwrap();
        s.create_request("acc-demo", &ph, &payout, "127.0.0.1")
            .await
            .unwrap();
        assert!(compensation(&s.deadlines("acc-demo", &ph).await.unwrap()).is_empty());
    }
);

both!(an_extension_request_carries_documents_to_staff, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = demo_ph(s).await;
    let missed = s
        .deadlines("acc-demo", &ph)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.missed && r.kind == "claim")
        .unwrap();
    let theirs = s
        .upload_attachment("acc-rep", "files", "чужая справка.pdf", PDF)
        .await
        .unwrap();
    match s
        .request_extension(
            "acc-demo",
            &ph,
            &missed.key,
            "Был в больнице, справка прилагается",
            std::slice::from_ref(&theirs.id),
        )
        .await
    {
        Err(StoreError::Invalid(e)) => assert!(e.get("files").is_some()),
        other => panic!("{other:?}"),
    }
    let note = s
        .upload_attachment("acc-demo", "files", "больничный лист.pdf", PDF)
        .await
        .unwrap();
    let req = s
        .request_extension(
            "acc-demo",
            &ph,
            &missed.key,
            "Был в больнице, справка прилагается",
            &[note.id.clone(), note.id.clone()],
        )
        .await
        .unwrap();
    assert_eq!(req.files, vec![note.clone()]);
    let listed = s.staff_extensions("acc-staff").await.unwrap();
    let row = listed.iter().find(|e| e.id == req.id).unwrap();
    assert_eq!(row.files[0].name, "больничный лист.pdf");
    assert_eq!(
        s.attachment_content("acc-staff", &note.id).await.unwrap().1,
        PDF
    );
    assert!(matches!(
        s.attachment_content("acc-rep", &note.id).await,
        Err(StoreError::NotFound)
    ));
    let done = s
        .decide_extension("acc-staff", &req.id, false, None, "Справка не заверена")
        .await
        .unwrap();
    assert_eq!(done.files.len(), 1);
});

//! «Отчётность» on both databases: drafts (saved, listed, another user's ids not found), one
//! report per submission key with its number, the server's checks and their log, correction and
//! resubmission with every version kept, staff accept and return.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use chrono::Duration;
use domain::dates::{format_date, to_local_input};
use domain::reports::{PolicyOption, ReportForm, ReportStatus, WorkRow};
use store::{Store, StoreError};

async fn demo_ph(s: &Store) -> String {
    s.accessible_policyholders("acc-demo").await.unwrap()[0]
        .id
        .clone()
}

/// A policy of the demo citizen running today.
async fn running_policy(s: &Store, ph: &str) -> PolicyOption {
    let today = s.today();
    s.report_choices("acc-demo", ph)
        .await
        .unwrap()
        .policies
        .into_iter()
        .find(|p| p.starts_on <= today && p.ends_on >= today)
        .expect("a running policy in the demo data")
}

fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// A file `account` uploads (a scan of a document).
async fn upload(s: &Store, account: &str, name: &str) -> String {
    s.upload_attachment(account, "files", name, PDF)
        .await
        .unwrap()
        .id
}

/// A whole event report of the demo citizen, with a fresh photo of the damage attached.
async fn event_form(s: &Store, policy: &PolicyOption, damage: &str) -> ReportForm {
    ReportForm {
        files: vec![upload(s, "acc-demo", "фото повреждений.pdf").await],
        kind: "event".into(),
        policy_id: policy.id.clone(),
        occurred_at: to_local_input(s.now() - Duration::days(2)),
        place: "Москва, ул. Ленина, 1".into(),
        description: "Затопление квартиры соседями сверху".into(),
        cause: "Прорыв трубы".into(),
        damage: damage.into(),
        ..Default::default()
    }
}

both!(drafts_are_saved_listed_and_private, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = demo_ph(s).await;
    let policy = running_policy(s, &ph).await;
    let id = new_id();
    let mut form = ReportForm {
        kind: "event".into(),
        policy_id: policy.id.clone(),
        place: "Москва".into(),
        ..Default::default()
    };
    // A partly filled form is saved as it is: drafts are not validated.
    assert_eq!(
        s.save_report_draft("acc-demo", &ph, &id, &form)
            .await
            .unwrap(),
        ReportStatus::Draft
    );
    form.description = "Пожар на складе".into();
    s.save_report_draft("acc-demo", &ph, &id, &form)
        .await
        .unwrap();
    let drafts = s.reports("acc-demo", &ph, true).await.unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].id, id);
    assert_eq!(drafts[0].kind_label(), "Отчёт о страховом случае");
    assert_eq!(drafts[0].status_label(), "Черновик");
    assert_eq!(
        drafts[0].policy_number.as_deref(),
        Some(policy.number.as_str())
    );
    assert!(s.reports("acc-demo", &ph, false).await.unwrap().is_empty());
    let view = s.report("acc-demo", &ph, &id).await.unwrap();
    assert_eq!(
        view.form, form,
        "what was typed comes back, from any device"
    );
    assert_eq!(view.number, None);

    // Somebody else: not found, whether through their own policyholder or ours.
    let rep_ph = s.accessible_policyholders("acc-rep").await.unwrap()[0]
        .id
        .clone();
    assert!(matches!(
        s.report("acc-rep", &ph, &id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.report("acc-rep", &rep_ph, &id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.save_report_draft("acc-rep", &rep_ph, &id, &form).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.submit_report(
            "acc-rep",
            &rep_ph,
            &id,
            &key(),
            &event_form(s, &policy, "1000").await
        )
        .await,
        Err(StoreError::NotFound) | Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.delete_report_draft("acc-rep", &rep_ph, &id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.report("acc-demo", &ph, &id).await.unwrap().form,
        form,
        "nobody else changed it"
    );
    assert!(
        s.reports("acc-rep", &rep_ph, true)
            .await
            .unwrap()
            .is_empty()
    );
    // A made-up id is not a draft.
    assert!(matches!(
        s.save_report_draft("acc-demo", &ph, "../x", &form).await,
        Err(StoreError::NotFound)
    ));

    s.delete_report_draft("acc-demo", &ph, &id).await.unwrap();
    assert!(s.reports("acc-demo", &ph, true).await.unwrap().is_empty());
});

both!(one_key_one_report_with_a_number, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = demo_ph(s).await;
    let policy = running_policy(s, &ph).await;
    let id = new_id();
    let form = event_form(s, &policy, "150 000").await;
    s.save_report_draft("acc-demo", &ph, &id, &form)
        .await
        .unwrap();
    let k = key();
    // A double click: parallel submissions with one key.
    let runs = (0..6).map(|_| s.submit_report("acc-demo", &ph, &id, &k, &form));
    let results = futures_util::future::join_all(runs).await;
    let year = s
        .now()
        .with_timezone(&domain::dates::moscow())
        .format("%Y")
        .to_string();
    for r in &results {
        let v = r.as_ref().unwrap();
        assert_eq!(v.status(), ReportStatus::Review);
        assert_eq!(
            v.number.as_deref(),
            Some(format!("ОТЧ-{year}-000001").as_str())
        );
        assert_eq!(v.version, 1);
    }
    let view = s.report("acc-demo", &ph, &id).await.unwrap();
    assert_eq!(view.versions.len(), 1, "one version kept");
    assert!(view.checks.is_empty());
    assert_eq!(s.reports("acc-demo", &ph, false).await.unwrap().len(), 1);
    assert!(s.reports("acc-demo", &ph, true).await.unwrap().is_empty());
    // A retry with the same key later: the same report.
    let again = s
        .submit_report("acc-demo", &ph, &id, &k, &form)
        .await
        .unwrap();
    assert_eq!(again.version, 1);
    // Another key while on review: refused, and the draft can no longer be changed.
    assert!(matches!(
        s.submit_report("acc-demo", &ph, &id, &key(), &form).await,
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        s.save_report_draft("acc-demo", &ph, &id, &form).await,
        Err(StoreError::Refused(_))
    ));
    // The next report gets the next number (with files of its own: the first report's are
    // its alone).
    let id2 = new_id();
    match s.submit_report("acc-demo", &ph, &id2, &key(), &form).await {
        Err(StoreError::Invalid(e)) => assert!(e.get("damage_files").is_some()),
        other => panic!("{other:?}"),
    }
    let form = event_form(s, &policy, "150 000").await;
    let v2 = s
        .submit_report("acc-demo", &ph, &id2, &key(), &form)
        .await
        .unwrap();
    assert_eq!(
        v2.number.as_deref(),
        Some(format!("ОТЧ-{year}-000002").as_str())
    );
    let journal = s.journal_for_account("acc-demo", 20, 0).await.unwrap();
    assert_eq!(
        journal
            .iter()
            .filter(|j| j.action == "report.submitted")
            .count(),
        2
    );
    // Each report got one «Квитанция о подаче» in «Документы», however often it was sent.
    let (docs, _) = s.documents("acc-demo", &ph, 1).await.unwrap();
    let receipts: Vec<&str> = docs
        .iter()
        .filter(|d| d.kind == "submission_receipt")
        .map(|d| d.number.as_str())
        .collect();
    assert_eq!(receipts.len(), 2, "one receipt per report: {receipts:?}");
    assert!(receipts.contains(&format!("КВ-ОТЧ-{year}-000001").as_str()));
});

both!(a_wrong_field_is_named_and_nothing_is_sent, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = demo_ph(s).await;
    let policy = running_policy(s, &ph).await;
    let id = new_id();
    let mut form = event_form(s, &policy, "150 000").await;
    form.place = "".into();
    form.damage = "сто рублей".into();
    match s.submit_report("acc-demo", &ph, &id, &key(), &form).await {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e.get("place"), Some("Укажите место события"));
            assert!(e.get("damage").unwrap().starts_with("Оценку ущерба"));
            assert_eq!(e.0.len(), 2);
        }
        other => panic!("{other:?}"),
    }
    assert!(s.reports("acc-demo", &ph, false).await.unwrap().is_empty());
    // A policy of somebody else is not a choice.
    let rep_ph = s.accessible_policyholders("acc-rep").await.unwrap()[0]
        .id
        .clone();
    let theirs = s.report_choices("acc-rep", &rep_ph).await.unwrap().policies[0]
        .id
        .clone();
    let mut form = event_form(s, &policy, "1000").await;
    form.policy_id = theirs;
    match s.submit_report("acc-demo", &ph, &id, &key(), &form).await {
        Err(StoreError::Invalid(e)) => assert!(e.get("policy_id").is_some()),
        other => panic!("{other:?}"),
    }
});

both!(
    rejected_by_the_checks_corrected_resubmitted_and_accepted,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let ph = demo_ph(s).await;
        let policy = running_policy(s, &ph).await;
        let id = new_id();
        // Damage above the insured sum: the server's check fails.
        let too_much = domain::Money(policy.insured_sum.0 + 100).to_string();
        let form = event_form(s, &policy, &too_much).await;
        let v = s
            .submit_report("acc-demo", &ph, &id, &key(), &form)
            .await
            .unwrap();
        assert_eq!(v.status(), ReportStatus::Error);
        assert_eq!(v.checks.len(), 1);
        let c = &v.checks[0];
        assert_eq!(c.field, "damage");
        assert_eq!(c.field_label(), "Оценка ущерба");
        assert_eq!(c.rule, "policy.insured_sum");
        assert_eq!(
            c.value,
            domain::Money(policy.insured_sum.0 + 100).to_string()
        );
        assert!(c.id.starts_with("ERR-") && c.id.len() == 14);
        assert!(c.message.contains(&policy.insured_sum.to_string()));
        // Staff do not see it: it is not on review.
        assert!(
            s.staff_reports("acc-staff")
                .await
                .unwrap()
                .iter()
                .all(|r| r.id != id)
        );

        // Corrected (autosaved while in «Ошибка»), resubmitted with a new key: on review, version 2.
        let fixed = event_form(s, &policy, "1 000").await;
        assert_eq!(
            s.save_report_draft("acc-demo", &ph, &id, &fixed)
                .await
                .unwrap(),
            ReportStatus::Error
        );
        let v = s
            .submit_report("acc-demo", &ph, &id, &key(), &fixed)
            .await
            .unwrap();
        assert_eq!(v.status(), ReportStatus::Review);
        assert_eq!(v.version, 2);
        assert!(v.checks.is_empty(), "the log of the new version is clean");
        assert_eq!(v.versions.len(), 2, "every version is kept");
        assert_eq!(v.versions[1].form.damage, too_much);
        assert_eq!(v.versions[0].form.damage, "1 000");
        // Each version keeps the files it was sent with (the correction replaced the photo).
        assert_eq!(v.versions[1].files.len(), 1);
        assert_eq!(v.versions[0].files.len(), 1);
        assert_ne!(v.versions[0].files[0].id, v.versions[1].files[0].id);
        assert_eq!(v.files, v.versions[0].files);
        assert_eq!(
            v.number.as_deref().map(|n| n.ends_with("000001")),
            Some(true),
            "the number stays"
        );

        // Staff: only staff decide; accept → «Завершено», and the event is registered.
        assert!(
            s.staff_reports("acc-staff")
                .await
                .unwrap()
                .iter()
                .any(|r| r.id == id)
        );
        assert!(matches!(
            s.staff_reports("acc-demo").await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.decide_report("acc-demo", &id, true, "", &[]).await,
            Err(StoreError::NotFound)
        ));
        let before = s
            .report_choices("acc-demo", &ph)
            .await
            .unwrap()
            .events
            .len();
        let done = s
            .decide_report("acc-staff", &id, true, "Принято", &[])
            .await
            .unwrap();
        assert_eq!(done.status(), ReportStatus::Done);
        assert!(matches!(
            s.decide_report("acc-staff", &id, false, "поздно", &[])
                .await,
            Err(StoreError::Refused(_))
        ));
        let events = s.report_choices("acc-demo", &ph).await.unwrap().events;
        assert_eq!(events.len(), before + 1);
        let event = events
            .iter()
            .find(|e| e.policy_id == policy.id && e.description.starts_with("Затопление квартиры"))
            .unwrap();
        let (notices, _) = s.notices("acc-demo", 1).await.unwrap();
        assert!(notices[0].title.contains("принят"));

        // Works on that event pass the check; works on an unknown event do not.
        let works = |event_id: &str, invoice: String| ReportForm {
            kind: "works".into(),
            policy_id: policy.id.clone(),
            event_id: event_id.into(),
            files: vec![invoice],
            works: vec![WorkRow {
                name: "Покраска стен".into(),
                quantity: "12,5".into(),
                unit_price: "350".into(),
            }],
            ..Default::default()
        };
        let w = s
            .submit_report(
                "acc-demo",
                &ph,
                &new_id(),
                &key(),
                &works(&event.id, upload(s, "acc-demo", "счёт-фактура 1.pdf").await),
            )
            .await
            .unwrap();
        assert_eq!(w.status(), ReportStatus::Review);
        let w = s
            .submit_report(
                "acc-demo",
                &ph,
                &new_id(),
                &key(),
                &works("nope", upload(s, "acc-demo", "счёт-фактура 2.pdf").await),
            )
            .await
            .unwrap();
        assert_eq!(w.status(), ReportStatus::Error);
        assert_eq!(w.checks[0].rule, "event.exists");
        let actions: Vec<String> = s
            .journal_for_account("acc-demo", 50, 0)
            .await
            .unwrap()
            .into_iter()
            .map(|j| j.action)
            .collect();
        for a in [
            "report.submitted",
            "report.check_failed",
            "report.resubmitted",
        ] {
            assert!(actions.iter().any(|x| x == a), "{a} journaled");
        }
    }
);

both!(staff_return_with_errors_and_other_kinds_checks, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = demo_ph(s).await;
    let policy = running_policy(s, &ph).await;
    let id = new_id();
    let form = event_form(s, &policy, "5 000").await;
    s.submit_report("acc-demo", &ph, &id, &key(), &form)
        .await
        .unwrap();
    assert!(matches!(
        s.decide_report("acc-staff", &id, false, "", &[]).await,
        Err(StoreError::Invalid(_))
    ));
    let v = s
        .decide_report(
            "acc-staff",
            &id,
            false,
            "Уточните место",
            &[("place".into(), "Укажите адрес полностью".into())],
        )
        .await
        .unwrap();
    assert_eq!(v.status(), ReportStatus::Error);
    assert_eq!(v.checks.len(), 1);
    assert_eq!(v.checks[0].source, "staff");
    assert_eq!(v.checks[0].value, "Москва, ул. Ленина, 1");
    assert_eq!(v.staff_comment, "Уточните место");
    let mine = s.report("acc-demo", &ph, &id).await.unwrap();
    assert_eq!(mine.checks, v.checks, "the author sees the log");

    // Recalculation: a rate outside the programme's range and a date outside the policy.
    let recalc = ReportForm {
        kind: "recalc".into(),
        policy_id: policy.id.clone(),
        new_rate: "9,5".into(),
        effective_from: format_date(policy.starts_on - Duration::days(1)),
        effective_to: format_date(policy.ends_on),
        grounds: "Изменение класса профессионального риска".into(),
        files: vec![upload(s, "acc-demo", "уведомление о классе риска.pdf").await],
        ..Default::default()
    };
    let r = s
        .submit_report("acc-demo", &ph, &new_id(), &key(), &recalc)
        .await
        .unwrap();
    let rules: Vec<(&str, &str)> = r
        .checks
        .iter()
        .map(|c| (c.field.as_str(), c.rule.as_str()))
        .collect();
    assert_eq!(
        rules,
        vec![
            ("new_rate", "programme.rate_range"),
            ("effective_from", "policy.period")
        ]
    );
});

both!(
    files_on_reports_are_kept_per_version_and_seen_with_authority,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let ph = demo_ph(s).await;
        let policy = running_policy(s, &ph).await;
        let id = new_id();
        let owner = format!("report:{id}");
        let photo = upload(s, "acc-demo", "фото.pdf").await;
        let mut form = ReportForm {
            kind: "event".into(),
            policy_id: policy.id.clone(),
            files: vec![photo.clone()],
            ..Default::default()
        };
        // The draft keeps the file: linked to the report at once, so it outlives the day an
        // unlinked upload is kept, and comes back on another device.
        s.save_report_draft("acc-demo", &ph, &id, &form)
            .await
            .unwrap();
        db.clock.advance(Duration::days(2));
        s.purge_unlinked_attachments().await.unwrap();
        let linked = s.attachments_of(&owner).await.unwrap();
        assert_eq!(
            linked.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
            vec![photo.as_str()]
        );
        assert_eq!(
            s.report("acc-demo", &ph, &id).await.unwrap().files[0].name,
            "фото.pdf"
        );

        // No file: the field is named, in the words the browser uses.
        let mut whole = event_form(s, &policy, "5 000").await;
        whole.files.clear();
        match s.submit_report("acc-demo", &ph, &id, &key(), &whole).await {
            Err(StoreError::Invalid(e)) => assert_eq!(
                e.get("damage_files"),
                domain::reports::files_rule("damage_files", &[])
                    .err()
                    .as_deref()
            ),
            other => panic!("{other:?}"),
        }
        // Somebody else's upload, or a made-up id: refused by field, nothing sent.
        let theirs = upload(s, "acc-rep", "чужой.pdf").await;
        for bad in [theirs.clone(), "0".repeat(32)] {
            whole.files = vec![photo.clone(), bad];
            match s.submit_report("acc-demo", &ph, &id, &key(), &whole).await {
                Err(StoreError::Invalid(e)) => assert!(
                    e.get("damage_files").unwrap().contains("Файл не найден"),
                    "{e:?}"
                ),
                other => panic!("{other:?}"),
            }
        }
        assert!(s.reports("acc-demo", &ph, false).await.unwrap().is_empty());
        assert!(
            s.attachment_content("acc-rep", &theirs).await.is_ok(),
            "still theirs alone, not linked to our report"
        );

        // Sent with the photo and an act: both listed for the author and for staff.
        let act = upload(s, "acc-demo", "акт осмотра.pdf").await;
        whole.files = vec![photo.clone(), act.clone(), photo.clone()];
        let v = s
            .submit_report("acc-demo", &ph, &id, &key(), &whole)
            .await
            .unwrap();
        assert_eq!(v.status(), ReportStatus::Review);
        assert_eq!(v.form.files, vec![photo.clone(), act.clone()], "each once");
        let names = |files: &[domain::files::Attachment]| {
            files.iter().map(|f| f.name.clone()).collect::<Vec<_>>()
        };
        assert_eq!(names(&v.files), vec!["фото.pdf", "акт осмотра.pdf"]);
        let staff = s.staff_report("acc-staff", &id).await.unwrap();
        assert_eq!(staff.files, v.files);
        assert_eq!(
            s.attachment_content("acc-staff", &act).await.unwrap().1,
            PDF
        );
        assert!(matches!(
            s.attachment_content("acc-rep", &act).await,
            Err(StoreError::NotFound)
        ));

        // Returned by staff; the correction drops the photo and adds a new one.
        s.decide_report(
            "acc-staff",
            &id,
            false,
            "Фото нечитаемое",
            &[("damage_files".into(), "Приложите фото получше".into())],
        )
        .await
        .unwrap();
        let returned = s.report("acc-demo", &ph, &id).await.unwrap();
        assert_eq!(returned.checks[0].field_label(), "Документы об ущербе");
        assert_eq!(returned.checks[0].value, "файлов: 2");
        let better = upload(s, "acc-demo", "фото 2.pdf").await;
        whole.files = vec![act.clone(), better.clone()];
        let v = s
            .submit_report("acc-demo", &ph, &id, &key(), &whole)
            .await
            .unwrap();
        assert_eq!(v.version, 2);
        assert_eq!(names(&v.files), vec!["акт осмотра.pdf", "фото 2.pdf"]);
        assert_eq!(
            names(&v.versions[0].files),
            vec!["акт осмотра.pdf", "фото 2.pdf"]
        );
        assert_eq!(
            names(&v.versions[1].files),
            vec!["фото.pdf", "акт осмотра.pdf"]
        );
        // The dropped photo stays with version 1, downloadable as before.
        assert!(s.attachment_content("acc-demo", &photo).await.is_ok());

        // A draft deleted before it was sent takes its files with it.
        let draft = new_id();
        let scrap = upload(s, "acc-demo", "черновик.pdf").await;
        form.files = vec![scrap.clone()];
        s.save_report_draft("acc-demo", &ph, &draft, &form)
            .await
            .unwrap();
        s.delete_report_draft("acc-demo", &ph, &draft)
            .await
            .unwrap();
        assert!(matches!(
            s.attachment_content("acc-demo", &scrap).await,
            Err(StoreError::NotFound)
        ));
        // A payout report has no files and needs none.
        assert_eq!(domain::reports::ReportKind::Payout.files_field(), None);
    }
);

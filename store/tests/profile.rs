//! «Профиль» on both databases: contact changes behind the password and a fresh second factor,
//! and the change history.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use chrono::Duration;
use store::StoreError;
use store::profile::{ContactField, NEED_SECOND_FACTOR};

both!(
    a_phone_change_needs_a_fresh_second_factor_and_the_password,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let token = s
            .create_session("acc-broker", "127.0.0.1", "test")
            .await
            .unwrap();
        let session = s.session(&token).await.unwrap().unwrap();
        let pw = store::demo::DEMO_PASSWORD;
        let old = s.profile("acc-broker").await.unwrap().phone;

        match s
            .change_contact(&session, ContactField::Phone, "+7 916 555-44-33", pw, "")
            .await
        {
            Err(StoreError::Refused(m)) => assert_eq!(m, NEED_SECOND_FACTOR),
            other => panic!("{other:?}"),
        }
        let to = s.send_identity_code("acc-broker").await.unwrap();
        assert!(to.contains("***@"), "{to}");
        let email = s.profile("acc-broker").await.unwrap().email;
        let code = common::last_code(s, &email).await;
        assert!(s.confirm_identity(&session, "000000", "").await.is_err());
        s.confirm_identity(&session, &code, "").await.unwrap();
        // The next request reads the session afresh, with the factor just passed.
        let session = s.session(&token).await.unwrap().unwrap();

        // A bad value and a wrong password are named; the wrong password is in the history.
        assert!(matches!(
            s.change_contact(&session, ContactField::Phone, "123", pw, "").await,
            Err(StoreError::Invalid(e)) if e.get("value").is_some()
        ));
        assert!(matches!(
            s.change_contact(&session, ContactField::Phone, "+7 916 555-44-33", "wrong", "").await,
            Err(StoreError::Invalid(e)) if e.get("password").is_some()
        ));
        // Another account's phone is taken.
        let demo_phone = s.profile("acc-demo").await.unwrap().phone;
        assert!(matches!(
            s.change_contact(&session, ContactField::Phone, &demo_phone, pw, "").await,
            Err(StoreError::Invalid(e)) if e.get("value").unwrap().contains("другой")
        ));
        s.change_contact(&session, ContactField::Phone, "+7 916 555-44-33", pw, "")
            .await
            .unwrap();
        assert_eq!(s.profile("acc-broker").await.unwrap().phone, "+79165554433");
        // The old number is told.
        let told = s
            .outbox(20)
            .await
            .unwrap()
            .into_iter()
            .any(|m| m.recipient == old && m.body.contains("изменено поле"));
        assert!(told);

        let history = s.profile_history("acc-broker").await.unwrap();
        assert_eq!(history[0].status, "applied");
        assert_eq!(history[0].field, "phone");
        assert_eq!(history[0].new_value, "+7 *** ***-44-33");
        assert!(!history[0].old_value.contains(&old[2..8]), "masked");
        assert!(
            history
                .iter()
                .any(|h| h.status == "refused" && h.reason == "неверный пароль")
        );

        // Ten minutes later the factor is stale again.
        db.clock.advance(Duration::minutes(11));
        let session = s.session(&token).await.unwrap().unwrap();
        assert!(!s.fresh_second_factor(&session));
    }
);

both!(my_data_export_has_the_person_and_no_secrets, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let data = s.personal_data("acc-demo").await.unwrap();
    assert_eq!(data["account"]["email"], "demo@example.ru");
    let policies = data["policyholders"][0]["policies"].as_array().unwrap();
    assert_eq!(policies.len(), 3);
    let raw = data.to_string();
    assert!(!raw.contains("argon2"), "no password hash");
    assert!(!raw.contains("id_hash"), "no session keys");

    let pdf = s.personal_data_pdf("acc-demo").await.unwrap();
    let text = common::pdf_text(&pdf);
    assert!(
        text.contains("Мои данные в кабинете страхователя: Иванов Иван Петрович"),
        "{text}"
    );
    assert!(text.contains("demo@example.ru"));
    assert!(text.contains(policies[0]["number"].as_str().unwrap()));
    assert!(text.contains("Журнал безопасности"));
});

both!(
    a_passport_change_goes_to_review_and_staff_approval_applies_it,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let token = s
            .create_session("acc-demo", "127.0.0.1", "test")
            .await
            .unwrap();
        let session = s.session(&token).await.unwrap().unwrap();
        let pdf = b"%PDF-1.4\n% a scan\n".to_vec();
        assert!(matches!(
            s.submit_passport(&session, "4510 123456", &pdf, "").await,
            Err(StoreError::Refused(m)) if m == NEED_SECOND_FACTOR
        ));
        s.send_identity_code("acc-demo").await.unwrap();
        let code = common::last_code(s, "demo@example.ru").await;
        s.confirm_identity(&session, &code, "").await.unwrap();
        // The next request reads the session afresh, with the factor just passed.
        let session = s.session(&token).await.unwrap().unwrap();

        // Judged by content, not by name; and by size.
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0].to_vec();
        match s.submit_passport(&session, "4510 123456", &png, "").await {
            Err(StoreError::Invalid(e)) => {
                assert!(e.get("scan").unwrap().contains("по содержимому"))
            }
            other => panic!("{other:?}"),
        }
        let mut big = b"%PDF-".to_vec();
        big.resize(6 * 1024 * 1024, b' ');
        match s.submit_passport(&session, "4510 123456", &big, "").await {
            Err(StoreError::Invalid(e)) => assert!(e.get("scan").unwrap().contains("5 МБ")),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            s.submit_passport(&session, "4510 123456", &pdf, "")
                .await
                .unwrap(),
            "review"
        );
        let p = s.profile("acc-demo").await.unwrap();
        assert!(p.is_pending(domain::status::ProfileField::Passport));
        assert_eq!(
            s.profile_history("acc-demo").await.unwrap()[0].status,
            "review"
        );

        // Citizens cannot decide; staff can.
        assert!(matches!(
            s.staff_reviews("acc-demo").await,
            Err(StoreError::NotFound)
        ));
        let reviews = s.staff_reviews("acc-staff").await.unwrap();
        assert_eq!(reviews.len(), 1);
        assert_eq!(reviews[0].new_value, "4510 123456");
        let (mime, bytes) = s
            .staff_review_scan("acc-staff", &reviews[0].id)
            .await
            .unwrap();
        assert_eq!((mime.as_str(), bytes), ("application/pdf", pdf));
        assert!(matches!(
            s.staff_decide_review("acc-demo", &reviews[0].id, true, "", "")
                .await,
            Err(StoreError::NotFound)
        ));
        s.staff_decide_review("acc-staff", &reviews[0].id, true, "", "")
            .await
            .unwrap();
        let p = s.profile("acc-demo").await.unwrap();
        assert_eq!(p.passport.as_deref(), Some("45 10 ******"));
        assert!(!p.is_pending(domain::status::ProfileField::Passport));
        let h = &s.profile_history("acc-demo").await.unwrap()[0];
        assert_eq!(
            (h.status.as_str(), h.changed_by.as_str()),
            ("applied", "сотрудник страховщика")
        );
        let (notices, _) = s.notices("acc-demo", 1).await.unwrap();
        assert_eq!(notices[0].title, "Паспорт в профиле обновлён");
        // Decided once only.
        assert!(matches!(
            s.staff_decide_review("acc-staff", &reviews[0].id, false, "повтор", "")
                .await,
            Err(StoreError::NotFound)
        ));
    }
);

/// A session of `account` that has just passed the second factor (a code to the e-mail).
async fn fresh_session(s: &store::Store, account: &str) -> (String, store::sessions::SessionInfo) {
    let token = s
        .create_session(account, "127.0.0.1", "test")
        .await
        .unwrap();
    let session = s.session(&token).await.unwrap().unwrap();
    s.send_identity_code(account).await.unwrap();
    let email = s.profile(account).await.unwrap().email;
    let code = common::last_code(s, &email).await;
    s.confirm_identity(&session, &code, "").await.unwrap();
    let session = s.session(&token).await.unwrap().unwrap();
    (token, session)
}

fn value_error(r: Result<&'static str, StoreError>) -> String {
    match r {
        Err(StoreError::Invalid(e)) => e.get("value").expect("an error on the value").to_string(),
        other => panic!("{other:?}"),
    }
}

both!(
    identity_edits_are_checked_then_reviewed_by_staff_and_all_in_the_history,
    |db| {
        use domain::status::ProfileField as F;
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let token = s
            .create_session("acc-demo", "127.0.0.1", "test")
            .await
            .unwrap();
        let stale = s.session(&token).await.unwrap().unwrap();

        // Bad values are named whatever the factor; good ones need a fresh factor.
        assert!(
            value_error(s.submit_identity(&stale, F::FullName, "Иванов", "").await).contains("имя")
        );
        assert!(
            value_error(s.submit_identity(&stale, F::Inn, "7707083893", "").await)
                .contains("ИНН организации")
        );
        assert!(
            value_error(s.submit_identity(&stale, F::Inn, "500100732258", "").await)
                .contains("ИНН введён с ошибкой")
        );
        assert!(
            value_error(
                s.submit_identity(&stale, F::Snils, "112-233-445 96", "")
                    .await
            )
            .contains("СНИЛС")
        );
        assert!(
            value_error(
                s.submit_identity(&stale, F::BirthDate, "31.02.1990", "")
                    .await
            )
            .contains("Дата рождения")
        );
        assert!(matches!(
            s.submit_identity(&stale, F::FullName, "Иванов Иван Павлович", "").await,
            Err(StoreError::Refused(m)) if m == NEED_SECOND_FACTOR
        ));
        assert!(matches!(
            s.submit_identity(&stale, F::Email, "x@example.ru", "")
                .await,
            Err(StoreError::NotFound)
        ));

        let (_, session) = fresh_session(s, "acc-demo").await;
        // The same name in other letters is applied at once, in the insurer's record too.
        assert_eq!(
            s.submit_identity(&session, F::FullName, "ИВАНОВ иван петрович", "")
                .await
                .unwrap(),
            "applied"
        );
        assert_eq!(
            s.profile("acc-demo").await.unwrap().full_name,
            "ИВАНОВ иван петрович"
        );
        assert_eq!(
            s.accessible_policyholders("acc-demo").await.unwrap()[0].name,
            "ИВАНОВ иван петрович"
        );
        assert!(
            value_error(
                s.submit_identity(&session, F::FullName, "ИВАНОВ  иван петрович", "")
                    .await
            )
            .contains("текущее значение")
        );

        // A new name waits for staff; a second one meanwhile is refused.
        assert_eq!(
            s.submit_identity(&session, F::FullName, "Иванов-Петров Иван Петрович", "")
                .await
                .unwrap(),
            "review"
        );
        let p = s.profile("acc-demo").await.unwrap();
        assert!(p.is_pending(F::FullName) && !p.is_pending(F::Inn));
        assert!(matches!(
            s.submit_identity(&session, F::FullName, "Иванов Иван", "").await,
            Err(StoreError::Refused(m)) if m.contains("ещё на проверке")
        ));

        // An ИНН of another account is refused and recorded; a free one goes to review.
        let rep_inn = s.profile("acc-rep").await.unwrap().inn.unwrap();
        assert!(
            value_error(s.submit_identity(&session, F::Inn, &rep_inn, "").await)
                .contains("другой учётной записи")
        );
        let h = &s.profile_history("acc-demo").await.unwrap()[0];
        assert_eq!((h.field.as_str(), h.status.as_str()), ("inn", "refused"));
        assert!(
            h.new_value.starts_with("********"),
            "masked: {}",
            h.new_value
        );
        assert_eq!(
            s.submit_identity(&session, F::Inn, "5001 0073 2259", "")
                .await
                .unwrap(),
            "review"
        );

        // A birth date that does not fit is refused with the reason, in the history too.
        assert!(
            value_error(
                s.submit_identity(&session, F::BirthDate, "01.01.2020", "")
                    .await
            )
            .contains("14 лет")
        );
        let h = &s.profile_history("acc-demo").await.unwrap()[0];
        assert_eq!(
            (h.field.as_str(), h.status.as_str(), h.new_value.as_str()),
            ("birth_date", "refused", "**.**.2020")
        );
        assert_eq!(
            s.submit_identity(&session, F::BirthDate, "1975-04-03", "")
                .await
                .unwrap(),
            "review"
        );

        // Staff see current and new values; approve the name and the date, reject the ИНН.
        let reviews = s.staff_reviews("acc-staff").await.unwrap();
        let find = |f: &str| reviews.iter().find(|r| r.field == f).unwrap().clone();
        let name = find("full_name");
        assert_eq!(name.current_value.as_deref(), Some("ИВАНОВ иван петрович"));
        assert_eq!(name.new_value, "Иванов-Петров Иван Петрович");
        assert_eq!(name.scan_mime, "");
        assert!(matches!(
            s.staff_review_scan("acc-staff", &name.id).await,
            Err(StoreError::NotFound)
        ));
        s.staff_decide_review("acc-staff", &name.id, true, "", "")
            .await
            .unwrap();
        s.staff_decide_review("acc-staff", &find("birth_date").id, true, "", "")
            .await
            .unwrap();
        assert!(matches!(
            s.staff_decide_review("acc-staff", &find("inn").id, false, "", "").await,
            Err(StoreError::Invalid(e)) if e.get("reason").is_some()
        ));
        s.staff_decide_review(
            "acc-staff",
            &find("inn").id,
            false,
            "ИНН не найден в ФНС",
            "",
        )
        .await
        .unwrap();
        let p = s.profile("acc-demo").await.unwrap();
        assert_eq!(p.full_name, "Иванов-Петров Иван Петрович");
        assert_eq!(p.birth_date, chrono::NaiveDate::from_ymd_opt(1975, 4, 3));
        assert_ne!(p.inn.as_deref(), Some("500100732259"));
        assert!(p.pending.is_empty());
        let history = s.profile_history("acc-demo").await.unwrap();
        let inn = history
            .iter()
            .find(|h| h.field == "inn" && h.reason.contains("ФНС"))
            .unwrap();
        assert_eq!(
            (inn.status.as_str(), inn.changed_by.as_str()),
            ("refused", "сотрудник страховщика")
        );
        let (notices, _) = s.notices("acc-demo", 1).await.unwrap();
        assert!(
            notices
                .iter()
                .any(|n| n.title == "Изменение поля «Фамилия, имя, отчество» одобрено")
        );
        assert!(
            notices
                .iter()
                .any(|n| n.title == "Изменение поля «ИНН» отклонено")
        );
        // Two people claim the same ИНН: the first approval wins; the second cannot be applied,
        // says why, and stays in the queue until rejected.
        let (_, rep) = fresh_session(s, "acc-rep").await;
        for who in [&session, &rep] {
            assert_eq!(
                s.submit_identity(who, F::Inn, "500100732259", "")
                    .await
                    .unwrap(),
                "review"
            );
        }
        let reviews = s.staff_reviews("acc-staff").await.unwrap();
        let of = |name: &str| {
            reviews
                .iter()
                .find(|r| r.field == "inn" && r.full_name == name)
                .unwrap()
                .id
                .clone()
        };
        let (demo_review, rep_review) = (
            of("Иванов-Петров Иван Петрович"),
            of("Смирнова Ольга Викторовна"),
        );
        s.staff_decide_review("acc-staff", &rep_review, true, "", "")
            .await
            .unwrap();
        assert!(matches!(
            s.staff_decide_review("acc-staff", &demo_review, true, "", "").await,
            Err(StoreError::Refused(m)) if m.contains("другой учётной записи")
        ));
        assert!(s.profile("acc-demo").await.unwrap().is_pending(F::Inn));
        s.staff_decide_review("acc-staff", &demo_review, false, "ИНН другого человека", "")
            .await
            .unwrap();
        assert_eq!(
            s.profile("acc-rep").await.unwrap().inn.as_deref(),
            Some("500100732259")
        );

        // The session reads the new name from now on.
        assert_eq!(
            s.session(&token).await.unwrap().unwrap().full_name,
            "Иванов-Петров Иван Петрович"
        );
    }
);

both!(
    an_extra_phone_is_added_and_removed_behind_the_factor,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let (_, session) = fresh_session(s, "acc-rep").await;
        let pw = store::demo::DEMO_PASSWORD;
        let main = s.profile("acc-rep").await.unwrap().phone;
        assert!(matches!(
            s.change_contact(&session, ContactField::ExtraPhone, &main, pw, "").await,
            Err(StoreError::Invalid(e)) if e.get("value").unwrap().contains("основной")
        ));
        assert!(matches!(
            s.change_contact(&session, ContactField::ExtraPhone, "12", pw, "").await,
            Err(StoreError::Invalid(e)) if e.get("value").unwrap().starts_with("Дополнительный телефон")
        ));
        s.change_contact(
            &session,
            ContactField::ExtraPhone,
            "8 495 123-45-67",
            pw,
            "",
        )
        .await
        .unwrap();
        assert_eq!(
            s.profile("acc-rep").await.unwrap().extra_phone.as_deref(),
            Some("+74951234567")
        );
        s.change_contact(&session, ContactField::ExtraPhone, "", pw, "")
            .await
            .unwrap();
        assert_eq!(s.profile("acc-rep").await.unwrap().extra_phone, None);
        let h = s.profile_history("acc-rep").await.unwrap();
        assert_eq!(
            (
                h[0].field.as_str(),
                h[0].old_value.as_str(),
                h[0].new_value.as_str()
            ),
            ("extra_phone", "+7 *** ***-45-67", "не указано")
        );
        // The e-mail is told.
        assert!(
            s.outbox(10)
                .await
                .unwrap()
                .iter()
                .any(|m| m.recipient == "rep@example.ru"
                    && m.body.contains("Дополнительный телефон"))
        );
    }
);

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
        assert!(p.passport_pending);
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
        assert!(!p.passport_pending);
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

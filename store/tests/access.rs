//! «Восстановление доступа без подтверждения» on both databases: applications that answer the
//! same whatever matched, the status by number and contact, staff approval with a new contact
//! and a one-time link to a new password, rejection with a reason, and who may do what.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use chrono::Duration;
use domain::forms::AccessRequestForm;
use store::StoreError;
use store::access::BAD_LINK;

const LINK_BASE: &str = "https://kabinet.example.ru";

/// The newest message to `to`, as the person would read it.
async fn last_message(s: &store::Store, to: &str) -> String {
    s.outbox(50)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.recipient == to)
        .map(|m| m.body)
        .expect("a message to the recipient")
}

/// The token of the one-time link in the newest message to `to`.
async fn link_token(s: &store::Store, to: &str) -> String {
    let body = last_message(s, to).await;
    let (_, rest) = body
        .split_once(&format!("{LINK_BASE}/recover/manual/password?token="))
        .expect("a link in the message");
    rest.chars().take_while(char::is_ascii_hexdigit).collect()
}

/// Ivanov of the demo data as he would fill the form, reachable now at `contact`.
async fn ivanov(s: &store::Store, contact: &str) -> AccessRequestForm {
    let profile = s.profile("acc-demo").await.unwrap();
    let own = s.accessible_policyholders("acc-demo").await.unwrap();
    let policies = s.list_policies("acc-demo", &own[0].id).await.unwrap();
    AccessRequestForm {
        full_name: "иванов иван петрович".into(),
        id_number: domain::ids::format_snils(&profile.snils.unwrap()),
        policy_number: policies[0].number.to_lowercase(),
        contact: contact.into(),
    }
}

both!(
    an_approved_application_sets_a_new_password_through_a_one_time_link,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();

        // Every bad field is named.
        match s
            .submit_access_request(&AccessRequestForm::default(), "10.0.0.1")
            .await
        {
            Err(StoreError::Invalid(e)) => {
                for f in AccessRequestForm::FIELDS {
                    assert!(e.get(f).is_some(), "{f}");
                }
            }
            other => panic!("{other:?}"),
        }

        // Ivanov's data, and somebody's that fits no account: the same answer either way.
        let form = ivanov(s, "ivanov.home@example.ru").await;
        let number = s.submit_access_request(&form, "10.0.0.1").await.unwrap();
        assert!(
            number.starts_with("ВД-") && number.len() == "ВД-2026-000000".len(),
            "{number}"
        );
        let stranger = AccessRequestForm {
            full_name: "Неизвестный Пётр Ильич".into(),
            id_number: "500100732259".into(),
            policy_number: "IMU-2020-0000001".into(),
            contact: "+7 926 111-22-33".into(),
        };
        let other = s
            .submit_access_request(&stranger, "10.0.0.1")
            .await
            .unwrap();
        assert_ne!(number, other);
        assert!(
            last_message(s, "ivanov.home@example.ru")
                .await
                .contains(&number)
        );
        assert!(last_message(s, "+79261112233").await.contains(&other));
        // The owner hears of the application at the e-mail on record.
        assert!(last_message(s, "demo@example.ru").await.contains(&number));

        // The status, by the number and the contact only (any letter case of the number).
        let st = s
            .access_request_status(&number.to_lowercase(), "Ivanov.Home@example.ru", "10.0.0.2")
            .await
            .unwrap();
        assert_eq!(
            (st.number.as_str(), st.status_label()),
            (number.as_str(), "На рассмотрении")
        );
        match s
            .access_request_status(&number, "+7 926 111-22-33", "10.0.0.2")
            .await
        {
            Err(StoreError::Invalid(e)) => assert!(e.get("number").unwrap().contains("не найдена")),
            other => panic!("{other:?}"),
        }

        // Staff see what matched; citizens see nothing of it.
        assert!(matches!(
            s.staff_access_requests("acc-demo").await,
            Err(StoreError::NotFound)
        ));
        let list = s.staff_access_requests("acc-staff").await.unwrap();
        assert_eq!(list.len(), 2);
        let mine = list.iter().find(|r| r.number == number).unwrap();
        assert_eq!(mine.account_name.as_deref(), Some("Иванов Иван Петрович"));
        assert!(mine.match_name && mine.match_policy);
        let theirs = list.iter().find(|r| r.number == other).unwrap();
        assert!(theirs.account_name.is_none() && !theirs.match_name && !theirs.match_policy);

        // Nobody but staff decides, and only applications that exist and wait; one without an
        // account can only be rejected.
        assert!(matches!(
            s.staff_approve_access(
                &common::full_session(db, "acc-staff").await,
                "no-such-id",
                "x@example.ru",
                LINK_BASE,
                ""
            )
            .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.staff_reject_access("acc-staff", "no-such-id", "причина", "")
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.staff_approve_access(
                &common::full_session(db, "acc-demo").await,
                &mine.id,
                "ivanov.home@example.ru",
                LINK_BASE,
                ""
            )
            .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.staff_reject_access("acc-rep", &theirs.id, "не тот человек", "")
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.staff_approve_access(
                &common::full_session(db, "acc-staff").await,
                &theirs.id,
                "+7 926 111-22-33",
                LINK_BASE,
                ""
            )
            .await,
            Err(StoreError::Refused(_))
        ));
        assert!(matches!(
            s.staff_reject_access("acc-staff", &theirs.id, " ", "").await,
            Err(StoreError::Invalid(e)) if e.get("reason").is_some()
        ));
        s.staff_reject_access(
            "acc-staff",
            &theirs.id,
            "Данные не совпадают с договором",
            "",
        )
        .await
        .unwrap();
        let st = s
            .access_request_status(&other, "+79261112233", "")
            .await
            .unwrap();
        assert_eq!(st.status_label(), "Отклонена");
        assert_eq!(st.reason, "Данные не совпадают с договором");
        assert!(
            last_message(s, "+79261112233")
                .await
                .contains("Причина: Данные не совпадают")
        );

        // Approval: a contact of another account is refused; the new e-mail replaces the old one,
        // every session ends, the old e-mail is told, the link goes to the applicant's contact.
        let token = s
            .create_session("acc-demo", "1.2.3.4", "test")
            .await
            .unwrap();
        assert!(matches!(
            s.staff_approve_access(&common::full_session(db, "acc-staff").await, &mine.id, "rep@example.ru", LINK_BASE, "").await,
            Err(StoreError::Invalid(e)) if e.get("new_contact").unwrap().contains("другой учётной")
        ));
        assert!(matches!(
            s.staff_approve_access(&common::full_session(db, "acc-staff").await, &mine.id, "не контакт", LINK_BASE, "").await,
            Err(StoreError::Invalid(e)) if e.get("new_contact").is_some()
        ));
        // Attack: approve with a staff session whose second factor is not fresh (a stolen
        // session, an unattended desk): the code is asked for again.
        let stale = common::full_session(db, "acc-staff").await;
        db.clock
            .advance(Duration::minutes(store::profile::FRESH_FACTOR_MINUTES + 1));
        assert!(matches!(
            s.staff_approve_access(&stale, &mine.id, "ivanov.home@example.ru", LINK_BASE, "").await,
            Err(StoreError::Invalid(e)) if e.get("code") == Some(store::access::STALE_FACTOR)
        ));
        s.staff_approve_access(
            &common::full_session(db, "acc-staff").await,
            &mine.id,
            "ivanov.home@example.ru",
            LINK_BASE,
            "",
        )
        .await
        .unwrap();
        assert!(s.session(&token).await.unwrap().is_none(), "sessions ended");
        assert_eq!(
            s.profile("acc-demo").await.unwrap().email,
            "ivanov.home@example.ru"
        );
        assert!(
            last_message(s, "demo@example.ru")
                .await
                .contains("изменено поле «Электронная почта»")
        );
        let h = &s.profile_history("acc-demo").await.unwrap()[0];
        assert_eq!(
            (h.field.as_str(), h.status.as_str(), h.changed_by.as_str()),
            ("email", "applied", "сотрудник страховщика")
        );
        assert!(h.reason.contains(&number));
        assert!(matches!(
            s.staff_reject_access("acc-staff", &mine.id, "повтор решения", "")
                .await,
            Err(StoreError::NotFound)
        ));
        let st = s
            .access_request_status(&number, "ivanov.home@example.ru", "")
            .await
            .unwrap();
        assert_eq!(st.status_label(), "Одобрена");

        // Meanwhile Ivanov had SMS codes on: the link turns the second factor off as well.
        let session = s
            .session(&s.create_session("acc-demo", "", "").await.unwrap())
            .await
            .unwrap()
            .unwrap();
        s.begin_sms_factor("acc-demo").await.unwrap();
        let code = common::last_code(s, "+79160000001").await;
        s.confirm_sms_factor(&session, &code, "").await.unwrap();

        // The link: shown as valid, refuses a weak password, then works once.
        let link = link_token(s, "ivanov.home@example.ru").await;
        assert_eq!(link.len(), 64);
        assert_eq!(
            s.access_link(&link).await.unwrap().login,
            "iv***@example.ru"
        );
        assert!(
            matches!(s.access_link("deadbeef").await, Err(StoreError::Refused(m)) if m == BAD_LINK)
        );
        assert!(matches!(
            s.finish_access_link(&link, "password", "password", "").await,
            Err(StoreError::Invalid(e)) if e.get("password").is_some()
        ));
        assert!(matches!(
            s.finish_access_link(&link, "Novyi-Parol-2026", "Novyi-Parol-2027", "").await,
            Err(StoreError::Invalid(e)) if e.get("password2").is_some()
        ));
        s.finish_access_link(&link, "Novyi-Parol-2026", "Novyi-Parol-2026", "5.6.7.8")
            .await
            .unwrap();
        assert!(s.session(&session.id_hash).await.unwrap().is_none());
        assert_eq!(s.factor_method("acc-demo").await.unwrap(), None);
        s.login("ivanov.home@example.ru", "Novyi-Parol-2026", "")
            .await
            .unwrap();
        assert!(matches!(
            s.finish_access_link(&link, "Drugoi-Parol-2026", "Drugoi-Parol-2026", "").await,
            Err(StoreError::Refused(m)) if m == BAD_LINK
        ));
        let st = s
            .access_request_status(&number, "ivanov.home@example.ru", "")
            .await
            .unwrap();
        assert_eq!(st.status_label(), "Доступ восстановлен");
        let actions: Vec<String> = s
            .journal_for_account("acc-demo", 50, 0)
            .await
            .unwrap()
            .into_iter()
            .map(|j| j.action)
            .collect();
        for a in [
            "access.requested",
            "access.approved",
            "access.restored",
            "2fa.disabled",
        ] {
            assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
        }
        let export = s.personal_data("acc-demo").await.unwrap();
        assert_eq!(export["access_requests"][0]["number"], number.as_str());
    }
);

both!(a_link_expires_after_a_day_and_lookups_are_throttled, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let number = s
        .submit_access_request(&ivanov(s, "+7 926 555-00-11").await, "10.0.0.3")
        .await
        .unwrap();
    let id = s.staff_access_requests("acc-staff").await.unwrap()[0]
        .id
        .clone();
    // A phone as the new contact replaces the phone.
    s.staff_approve_access(
        &common::full_session(db, "acc-staff").await,
        &id,
        "+7 926 555-00-11",
        LINK_BASE,
        "",
    )
    .await
    .unwrap();
    assert_eq!(s.profile("acc-demo").await.unwrap().phone, "+79265550011");
    let link = link_token(s, "+79265550011").await;
    s.access_link(&link).await.unwrap();
    db.clock.advance(Duration::hours(25));
    assert!(matches!(
        s.access_link(&link).await,
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        s.finish_access_link(&link, "Novyi-Parol-2026", "Novyi-Parol-2026", "").await,
        Err(StoreError::Refused(m)) if m == BAD_LINK
    ));

    // Guessing numbers from one address is stopped.
    let mut last = Ok(());
    for i in 0..21 {
        last = s
            .access_request_status(&format!("ВД-2026-{i:06}"), "+79265550011", "10.9.9.9")
            .await
            .map(drop);
    }
    assert!(matches!(last, Err(StoreError::Refused(m)) if m.contains("Слишком много")));
    assert!(
        s.access_request_status(&number, "+79265550011", "10.9.9.9")
            .await
            .is_err()
    );
    assert!(
        s.access_request_status(&number, "+79265550011", "10.9.9.10")
            .await
            .is_ok()
    );
});

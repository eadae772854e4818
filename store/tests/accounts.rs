//! Registration, confirmation codes, login throttling and sessions, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use chrono::Duration;
use domain::forms::Registration;
use domain::status::Channel;
use store::StoreError;
use store::codes::Purpose;

fn petrov() -> Registration {
    Registration {
        full_name: "Петров Пётр Петрович".into(),
        email: "petrov@example.ru".into(),
        phone: "+7 916 000-01-01".into(),
        id_number: "112-233-445 95".into(),
        password: "Pr0stoy-Parol".into(),
        password2: "Pr0stoy-Parol".into(),
        channel: "email".into(),
    }
}

fn field_message(e: StoreError, field: &str) -> String {
    match e {
        StoreError::Invalid(errors) => errors
            .get(field)
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no error for {field}: {errors:?}")),
        other => panic!("expected a field error, got {other:?}"),
    }
}

both!(
    registration_validates_and_holds_nothing_until_confirmed,
    |db| {
        let s = &db.store;
        let mut bad = petrov();
        bad.id_number = "112-233-445 96".into();
        let e = s.register(&bad, "127.0.0.1").await.unwrap_err();
        assert!(field_message(e, "id_number").contains("контрольное"));

        let account = s.register(&petrov(), "127.0.0.1").await.unwrap();
        assert_eq!(account.email, "petrov@example.ru");
        assert_eq!(account.phone, "+79160000101");
        assert!(account.confirmed_at.is_none());

        // The same data again: another unconfirmed account, the first holds nothing yet.
        let again = s.register(&petrov(), "127.0.0.1").await.unwrap();
        assert_ne!(again.id, account.id);
        assert!(again.confirmed_at.is_none());
    }
);

both!(confirmation_links_the_register_record, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let account = s.register(&petrov(), "127.0.0.1").await.unwrap();
    assert!(
        s.accessible_policyholders(&account.id)
            .await
            .unwrap()
            .is_empty()
    );
    s.send_code(&account.id, Purpose::Confirm, Channel::Email)
        .await
        .unwrap();
    let code = common::last_code(s, "petrov@example.ru").await;
    let confirmed = s
        .confirm_account(&account.id, &code, "127.0.0.1")
        .await
        .unwrap();
    assert!(confirmed.confirmed_at.is_some());
    let holders = s.accessible_policyholders(&account.id).await.unwrap();
    assert_eq!(holders.len(), 1);
    assert_eq!(holders[0].name, "Петров Пётр Петрович");
    assert_eq!(holders[0].role, "self");
    let policies = s.list_policies(&account.id, &holders[0].id).await.unwrap();
    assert_eq!(
        policies.len(),
        2,
        "the register's two policies are now visible"
    );
});

both!(confirmation_without_register_record_creates_one, |db| {
    let s = &db.store;
    let mut r = petrov();
    r.id_number = "157-842-963 14".into();
    r.channel = "sms".into();
    let account = s.register(&r, "127.0.0.1").await.unwrap();
    let sent = s
        .send_code(&account.id, Purpose::Confirm, Channel::Sms)
        .await
        .unwrap();
    assert_eq!(sent.destination, "+79160000101");
    let code = common::last_code(s, "+79160000101").await;
    s.confirm_account(&account.id, &code, "127.0.0.1")
        .await
        .unwrap();
    let holders = s.accessible_policyholders(&account.id).await.unwrap();
    assert_eq!(holders.len(), 1);
    assert!(
        s.list_policies(&account.id, &holders[0].id)
            .await
            .unwrap()
            .is_empty()
    );
});

both!(wrong_code_five_times_locks_it, |db| {
    let s = &db.store;
    let account = s.register(&petrov(), "127.0.0.1").await.unwrap();
    s.send_code(&account.id, Purpose::Confirm, Channel::Email)
        .await
        .unwrap();
    let code = common::last_code(s, "petrov@example.ru").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (0..5).rev() {
        let m = field_message(
            s.confirm_account(&account.id, wrong, "ip")
                .await
                .unwrap_err(),
            "code",
        );
        if left > 0 {
            assert_eq!(m, format!("Неверный код. Осталось попыток: {left}"));
        } else {
            assert!(m.contains("заблокирован"), "{m}");
        }
    }
    // Even the right code no longer works.
    let m = field_message(
        s.confirm_account(&account.id, &code, "ip")
            .await
            .unwrap_err(),
        "code",
    );
    assert!(m.contains("заблокирован"), "{m}");
    assert!(s.account(&account.id).await.unwrap().confirmed_at.is_none());
});

both!(codes_expire_are_single_use_and_cool_down, |db| {
    let s = &db.store;
    let account = s.register(&petrov(), "127.0.0.1").await.unwrap();
    s.send_code(&account.id, Purpose::Confirm, Channel::Email)
        .await
        .unwrap();
    let e = s
        .send_code(&account.id, Purpose::Confirm, Channel::Email)
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Refused(ref m) if m.contains("через")),
        "{e:?}"
    );

    let code = common::last_code(s, "petrov@example.ru").await;
    db.clock
        .advance(Duration::minutes(5) + Duration::seconds(1));
    let m = field_message(
        s.confirm_account(&account.id, &code, "ip")
            .await
            .unwrap_err(),
        "code",
    );
    assert!(m.contains("истёк"), "{m}");

    s.send_code(&account.id, Purpose::Confirm, Channel::Email)
        .await
        .unwrap();
    let fresh = common::last_code(s, "petrov@example.ru").await;
    s.verify_code(&account.id, Purpose::Confirm, &fresh)
        .await
        .unwrap();
    let m = field_message(
        s.verify_code(&account.id, Purpose::Confirm, &fresh)
            .await
            .unwrap_err(),
        "code",
    );
    assert!(m.contains("недействителен"), "{m}");
});

both!(login_by_any_identifier_and_throttling, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    for login in [
        "demo@example.ru",
        "DEMO@example.ru",
        "+7 916 000-00-01",
        "89160000001",
    ] {
        let ok = s
            .login(login, store::demo::DEMO_PASSWORD, "10.0.0.1")
            .await
            .unwrap();
        assert_eq!(ok.account.email, "demo@example.ru", "{login}");
    }
    let demo = s.account("acc-demo").await.unwrap();
    let snils = demo.snils.clone().unwrap();
    assert_eq!(
        s.login(&snils, store::demo::DEMO_PASSWORD, "10.0.0.1")
            .await
            .unwrap()
            .account
            .id,
        "acc-demo"
    );
    let inn = demo.inn.clone().unwrap();
    assert_eq!(
        s.login(&inn, store::demo::DEMO_PASSWORD, "10.0.0.1")
            .await
            .unwrap()
            .account
            .id,
        "acc-demo"
    );

    // An unknown login and a wrong password answer alike.
    let unknown = s
        .login("nobody@example.ru", "Whatever-123", "10.0.0.2")
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, StoreError::Refused(ref m) if m == store::accounts::WRONG_CREDENTIALS)
    );
    for _ in 0..5 {
        let e = s
            .login("demo@example.ru", "Wrong-Password-1", "10.0.0.3")
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Refused(ref m) if m == store::accounts::WRONG_CREDENTIALS));
    }
    // Blocked now, even with the right password and from another address.
    let e = s
        .login("demo@example.ru", store::demo::DEMO_PASSWORD, "10.0.0.4")
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Refused(ref m) if m.contains("заблокирован") && m.contains("15 мин")),
        "{e:?}"
    );
    db.clock.advance(Duration::minutes(16));
    assert!(
        s.login("demo@example.ru", store::demo::DEMO_PASSWORD, "10.0.0.4")
            .await
            .is_ok()
    );

    let e = s.login("", "", "10.0.0.5").await.unwrap_err();
    assert!(field_message(e, "login").contains("Укажите"));
});

both!(sessions_time_out_and_end, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let token = s
        .create_session("acc-demo", "10.0.0.1", "test")
        .await
        .unwrap();
    let session = s.session(&token).await.unwrap().expect("live session");
    assert_eq!(session.account_id, "acc-demo");
    assert!(session.acting_policyholder_id.is_some());
    assert!(s.session(&"0".repeat(64)).await.unwrap().is_none());

    db.clock.advance(Duration::minutes(14));
    assert!(
        s.session(&token).await.unwrap().is_some(),
        "activity renews the idle timer"
    );
    db.clock.advance(Duration::minutes(14));
    assert!(s.session(&token).await.unwrap().is_some());
    db.clock.advance(Duration::minutes(16));
    assert!(
        s.session(&token).await.unwrap().is_none(),
        "idle for 16 minutes"
    );

    let token = s
        .create_session("acc-demo", "10.0.0.1", "test")
        .await
        .unwrap();
    let session = s.session(&token).await.unwrap().unwrap();
    s.end_session(&session, "10.0.0.1").await.unwrap();
    assert!(s.session(&token).await.unwrap().is_none());
    let actions: Vec<String> = s
        .journal_for_account("acc-demo", 10, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert!(actions.contains(&"logout".to_string()));
    assert!(actions.contains(&"session.expired".to_string()));
});

both!(registrations_from_one_address_are_limited, |db| {
    let s = &db.store;
    let limit = s.config().registrations_per_ip_hour;
    for i in 0..limit {
        let r = Registration {
            email: format!("user{i}@example.ru"),
            phone: format!("+7916555{i:04}"),
            id_number: String::new(),
            ..petrov()
        };
        // Each needs its own valid СНИЛС: 11 digits whose checksum fits.
        let base = format!("{:09}", 300_000_000 + i);
        let digits: Vec<u32> = base.chars().filter_map(|c| c.to_digit(10)).collect();
        let snils = format!("{base}{:02}", domain::ids::snils_checksum(&digits));
        let r = Registration {
            id_number: snils,
            ..r
        };
        s.register(&r, "10.9.9.9").await.unwrap();
    }
    let mut r = petrov();
    r.email = "late@example.ru".into();
    let e = s.register(&r, "10.9.9.9").await.unwrap_err();
    assert!(
        matches!(e, StoreError::Refused(ref m) if m.contains("Слишком много регистраций")),
        "{e:?}"
    );
    // Another address is not affected.
    s.register(&r, "10.9.9.10").await.unwrap();
});

both!(
    sessions_are_listed_and_ended_one_by_one_or_all_others,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let a = s
            .create_session("acc-demo", "10.0.0.1", "Firefox")
            .await
            .unwrap();
        let b = s
            .create_session("acc-demo", "10.0.0.2", "Chrome")
            .await
            .unwrap();
        let c = s
            .create_session("acc-demo", "10.0.0.3", "Safari")
            .await
            .unwrap();
        let rep = s
            .create_session("acc-rep", "10.0.0.4", "Edge")
            .await
            .unwrap();
        let list = s.list_sessions("acc-demo").await.unwrap();
        assert_eq!(list.len(), 3);
        let sa = s.session(&a).await.unwrap().unwrap();
        let sb = s.session(&b).await.unwrap().unwrap();
        let srep = s.session(&rep).await.unwrap().unwrap();

        // Another account's session id is not found, and stays alive.
        assert!(matches!(
            s.end_session_of("acc-demo", &srep.id_hash, "ip").await,
            Err(StoreError::NotFound)
        ));
        assert!(s.session(&rep).await.unwrap().is_some());

        s.end_session_of("acc-demo", &sb.id_hash, "ip")
            .await
            .unwrap();
        assert!(s.session(&b).await.unwrap().is_none());
        assert_eq!(s.list_sessions("acc-demo").await.unwrap().len(), 2);

        assert_eq!(s.end_other_sessions(&sa, "ip").await.unwrap(), 1);
        assert!(s.session(&c).await.unwrap().is_none());
        assert!(s.session(&a).await.unwrap().is_some());
        assert!(s.session(&rep).await.unwrap().is_some());
        let actions: Vec<String> = s
            .journal_for_account("acc-demo", 5, 0)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect();
        assert_eq!(actions[0], "session.ended_others");
        assert_eq!(actions[1], "session.ended_remotely");
    }
);

both!(password_reset_by_code, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let before = s
        .create_session("acc-broker", "10.0.0.1", "ua")
        .await
        .unwrap();
    // Unknown and known contacts answer alike.
    assert_eq!(
        s.start_reset("nobody@example.ru", "10.1.1.1")
            .await
            .unwrap(),
        "nobody@example.ru"
    );
    assert_eq!(
        s.start_reset("Broker@Example.ru", "10.1.1.1")
            .await
            .unwrap(),
        "broker@example.ru"
    );
    assert!(
        s.outbox(50)
            .await
            .unwrap()
            .iter()
            .all(|m| m.recipient != "nobody@example.ru")
    );
    let e = s
        .finish_reset(
            "nobody@example.ru",
            "123456",
            "Novyi-Parol-2026",
            "Novyi-Parol-2026",
            "ip",
        )
        .await
        .unwrap_err();
    // As a wrong code of a real account reads (see tests/passwords.rs for the whole sequence).
    assert_eq!(
        field_message(e, "code"),
        "Неверный код. Осталось попыток: 4"
    );

    let code = common::last_code(s, "broker@example.ru").await;
    let e = s
        .finish_reset("broker@example.ru", &code, "short", "short", "ip")
        .await
        .unwrap_err();
    assert!(field_message(e, "password").contains("короткий"));
    s.finish_reset(
        "broker@example.ru",
        &code,
        "Novyi-Parol-2026",
        "Novyi-Parol-2026",
        "ip",
    )
    .await
    .unwrap();
    assert!(
        s.session(&before).await.unwrap().is_none(),
        "every session ended"
    );
    assert!(
        s.login("broker@example.ru", store::demo::DEMO_PASSWORD, "ip")
            .await
            .is_err()
    );
    assert!(
        s.login("broker@example.ru", "Novyi-Parol-2026", "ip")
            .await
            .is_ok()
    );
    // The code is single use.
    let e = s
        .finish_reset(
            "broker@example.ru",
            &code,
            "Drugoi-Parol-2026",
            "Drugoi-Parol-2026",
            "ip",
        )
        .await
        .unwrap_err();
    assert!(field_message(e, "code").contains("недействителен"));
    let notices = s.outbox(50).await.unwrap();
    assert!(notices.iter().any(|m| m.recipient == "+79160000003"
        && m.body.contains("Пароль от Кабинета страхователя изменён")));
});

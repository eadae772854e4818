//! The password inside the cabinet, on both databases: the throttled check every in-cabinet step
//! uses (counted before argon2, so parallel wrong tries verify at most the limit), the reset flow
//! that answers an unknown contact exactly as a real one, and «Сменить пароль».

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use chrono::Duration;
use store::StoreError;
use store::demo::DEMO_PASSWORD;

fn field(e: &StoreError, name: &str) -> String {
    match e {
        StoreError::Invalid(f) => f.get(name).unwrap_or_default().to_string(),
        other => panic!("expected a field error on {name}, got {other:?}"),
    }
}

both!(parallel_wrong_passwords_verify_at_most_the_limit, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let limit = s.config().password_checks_per_account;
    assert_eq!(limit, 5);
    let mut tries = tokio::task::JoinSet::new();
    for i in 0..50 {
        let s = s.clone();
        tries.spawn(async move {
            s.check_password_limited("acc-rep", &format!("Wrong-Parol-{i}"), "10.9.9.9")
                .await
        });
    }
    let (mut wrong, mut blocked) = (0, 0);
    while let Some(r) = tries.join_next().await {
        match r.unwrap() {
            Err(StoreError::Invalid(e)) => {
                assert!(e.get("password").unwrap().starts_with("Неверный пароль"));
                wrong += 1;
            }
            Err(StoreError::TooMany(m)) => {
                assert!(m.contains("через 15 мин."), "{m}");
                blocked += 1;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((wrong, blocked), (limit, 50 - limit));
    // Only the tries within the limit reached argon2: one journal line each.
    let journal = s.journal_for_account("acc-rep", 200, 0).await.unwrap();
    let verified = journal
        .iter()
        .filter(|r| r.action == "password.check_failed")
        .count();
    assert_eq!(verified, limit as usize);
    assert_eq!(
        journal
            .iter()
            .filter(|r| r.action == "password.check_blocked")
            .count(),
        1
    );
    // Blocked: even the right password is not checked, and the message says for how long.
    match s
        .check_password_limited("acc-rep", DEMO_PASSWORD, "10.9.9.9")
        .await
    {
        Err(StoreError::TooMany(m)) => assert!(m.contains("мин."), "{m}"),
        other => panic!("{other:?}"),
    }
    // Another account is not affected.
    s.check_password_limited("acc-demo", DEMO_PASSWORD, "10.9.9.9")
        .await
        .unwrap();
    // After the block the right password works and clears the count.
    db.clock
        .advance(Duration::minutes(15) + Duration::seconds(1));
    s.check_password_limited("acc-rep", DEMO_PASSWORD, "10.9.9.9")
        .await
        .unwrap();
    let e = s
        .check_password_limited("acc-rep", "Wrong-Parol", "10.9.9.9")
        .await
        .unwrap_err();
    assert_eq!(
        field(&e, "password"),
        "Неверный пароль. Осталось попыток: 4"
    );
});

both!(wrong_tries_count_in_a_window_and_end_in_a_block, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    for left in [4, 3, 2, 1] {
        let e = s
            .check_password_limited("acc-demo", "Wrong-Parol-1", "ip")
            .await
            .unwrap_err();
        assert_eq!(
            field(&e, "password"),
            format!("Неверный пароль. Осталось попыток: {left}")
        );
    }
    let e = s
        .check_password_limited("acc-demo", "Wrong-Parol-1", "ip")
        .await
        .unwrap_err();
    assert!(field(&e, "password").contains("заблокирован на 15 мин."));
    // The block is the same for every in-cabinet step: «Сменить пароль» with the right one.
    let token = s.create_session("acc-demo", "ip", "ua").await.unwrap();
    let session = s.session(&token).await.unwrap().unwrap();
    db.clock.advance(Duration::minutes(10));
    match s
        .change_password(
            &session,
            DEMO_PASSWORD,
            "Novyi-Parol-2026",
            "Novyi-Parol-2026",
            "ip",
        )
        .await
    {
        Err(StoreError::TooMany(m)) => assert!(m.contains("через 5 мин."), "{m}"),
        other => panic!("{other:?}"),
    }
    // An empty password is not a try.
    let e = s
        .check_password_limited("acc-rep", "", "ip")
        .await
        .unwrap_err();
    assert_eq!(field(&e, "password"), "Введите пароль");
    // Wrong tries more than 15 minutes apart do not add up.
    for _ in 0..4 {
        s.check_password_limited("acc-rep", "Wrong-Parol-1", "ip")
            .await
            .unwrap_err();
    }
    db.clock.advance(Duration::minutes(16));
    let e = s
        .check_password_limited("acc-rep", "Wrong-Parol-1", "ip")
        .await
        .unwrap_err();
    assert_eq!(
        field(&e, "password"),
        "Неверный пароль. Осталось попыток: 4"
    );
});

both!(
    the_reset_answers_alike_for_known_and_unknown_contacts,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let (known, unknown) = ("rep@example.ru", "nobody-at-all@example.ru");
        let new = "Novyi-Parol-2026";
        // Nothing requested yet.
        let answer = |contact: &'static str, code: String| async move {
            let e = s
                .finish_reset(contact, &code, new, new, "10.2.2.2")
                .await
                .unwrap_err();
            field(&e, "code")
        };
        assert_eq!(
            answer(known, "123456".into()).await,
            answer(unknown, "123456".into()).await
        );
        // Requested: the same answer, then wrong codes count down alike, and block alike.
        for contact in [known, unknown] {
            assert_eq!(s.start_reset(contact, "10.2.2.2").await.unwrap(), contact);
        }
        let real = common::last_code(s, known).await;
        let wrong = if real == "000000" { "111111" } else { "000000" }.to_string();
        let mut seen = Vec::new();
        for _ in 0..6 {
            let (a, b) = (
                answer(known, wrong.clone()).await,
                answer(unknown, wrong.clone()).await,
            );
            assert_eq!(a, b);
            seen.push(a);
        }
        assert_eq!(seen[0], "Неверный код. Осталось попыток: 4");
        assert!(seen[4].contains("Код заблокирован"));
        assert!(seen[5].starts_with("Код заблокирован"));
        // Asked again within the cool-down: no new code for either, still blocked.
        for contact in [known, unknown] {
            s.start_reset(contact, "10.2.2.3").await.unwrap();
        }
        assert_eq!(
            answer(known, wrong.clone()).await,
            answer(unknown, wrong.clone()).await
        );
        // After it, a new code each: counting starts again, then it expires, alike.
        db.clock.advance(Duration::seconds(61));
        for contact in [known, unknown] {
            s.start_reset(contact, "10.2.2.3").await.unwrap();
        }
        let real = common::last_code(s, known).await;
        let wrong = if real == "000000" { "111111" } else { "000000" }.to_string();
        let (a, b) = (
            answer(known, wrong.clone()).await,
            answer(unknown, wrong.clone()).await,
        );
        assert_eq!(a, "Неверный код. Осталось попыток: 4");
        assert_eq!(a, b);
        db.clock.advance(Duration::minutes(5));
        let (a, b) = (
            answer(known, wrong.clone()).await,
            answer(unknown, wrong.clone()).await,
        );
        assert_eq!(a, "Срок действия кода истёк. Запросите новый код");
        assert_eq!(a, b);
        // Nothing ever went to the unknown contact.
        assert!(
            s.outbox(100)
                .await
                .unwrap()
                .iter()
                .all(|m| m.recipient != unknown)
        );
    }
);

both!(
    changing_the_password_ends_other_sessions_and_rotates_this_one,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let mine = s.create_session("acc-rep", "10.3.3.3", "ua").await.unwrap();
        let other = s.create_session("acc-rep", "10.3.3.4", "ua").await.unwrap();
        let elsewhere = s
            .create_session("acc-demo", "10.3.3.5", "ua")
            .await
            .unwrap();
        let session = s.session(&mine).await.unwrap().unwrap();
        let ip = "10.3.3.3";
        // Every field is named.
        let e = s
            .change_password(&session, "", "short", "other", ip)
            .await
            .unwrap_err();
        assert_eq!(field(&e, "old_password"), "Введите текущий пароль");
        assert!(field(&e, "new_password").contains("короткий"));
        assert_eq!(field(&e, "new_password2"), "Пароли не совпадают");
        // The policy: a special character, and not the current password.
        let e = s
            .change_password(&session, DEMO_PASSWORD, "Kabinet2027", "Kabinet2027", ip)
            .await
            .unwrap_err();
        assert!(field(&e, "new_password").contains("специальный символ"));
        let e = s
            .change_password(&session, DEMO_PASSWORD, DEMO_PASSWORD, DEMO_PASSWORD, ip)
            .await
            .unwrap_err();
        assert!(field(&e, "new_password").contains("совпадает с текущим"));
        // A wrong current password, through the throttled check.
        let e = s
            .change_password(
                &session,
                "Wrong-Parol-1",
                "Novyi-Parol-2026",
                "Novyi-Parol-2026",
                ip,
            )
            .await
            .unwrap_err();
        assert_eq!(
            field(&e, "old_password"),
            "Неверный текущий пароль. Осталось попыток: 4"
        );
        assert!(
            s.session(&other).await.unwrap().is_some(),
            "nothing changed"
        );

        let token = s
            .change_password(
                &session,
                DEMO_PASSWORD,
                "Novyi-Parol-2026",
                "Novyi-Parol-2026",
                ip,
            )
            .await
            .unwrap();
        // This session goes on under a new id; the old id and the other sessions are gone.
        assert_ne!(token, mine);
        let rotated = s
            .session(&token)
            .await
            .unwrap()
            .expect("the rotated session");
        assert_eq!(rotated.account_id, "acc-rep");
        assert_eq!(rotated.created_at, session.created_at);
        assert_eq!(
            rotated.acting_policyholder_id,
            session.acting_policyholder_id
        );
        assert!(s.session(&mine).await.unwrap().is_none());
        assert!(s.session(&other).await.unwrap().is_none());
        assert!(
            s.session(&elsewhere).await.unwrap().is_some(),
            "another account's session stays"
        );
        // The new password works, the old one not.
        assert!(s.login("rep@example.ru", DEMO_PASSWORD, ip).await.is_err());
        s.login("rep@example.ru", "Novyi-Parol-2026", ip)
            .await
            .unwrap();
        // The owner is told by e-mail (and SMS); the journal has a line.
        let mails = s.outbox(50).await.unwrap();
        let mail = mails
            .iter()
            .find(|m| m.recipient == "rep@example.ru" && m.subject == "Пароль изменён")
            .expect("a notice by e-mail");
        assert!(mail.body.contains("Другие сеансы завершены"));
        assert!(mails.iter().any(|m| m.recipient == "+79160000002"
            && m.body.contains("Пароль от Кабинета страхователя изменён")));
        let journal = s.journal_for_account("acc-rep", 50, 0).await.unwrap();
        let line = journal
            .iter()
            .find(|r| r.action == "password.changed")
            .expect("a journal line");
        assert_eq!(line.ip, ip);
        assert_eq!(line.details, "1", "one other session ended");
        // An ended session changes nothing.
        let e = s
            .change_password(
                &session,
                "Novyi-Parol-2026",
                "Drugoi-Parol-2026",
                "Drugoi-Parol-2026",
                ip,
            )
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Refused(_)), "{e:?}");
        s.login("rep@example.ru", "Novyi-Parol-2026", ip)
            .await
            .unwrap();
    }
);

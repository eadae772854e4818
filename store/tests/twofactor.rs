//! Two-factor login on both databases: enrolment, login with a code and with a recovery code,
//! replays, too many wrong codes, turning it off.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use chrono::Duration;
use store::StoreError;
use totp_rs::{Algorithm, Secret, TOTP};

fn code_at(secret: &str, unix: i64) -> String {
    let bytes = Secret::Encoded(secret.into()).to_bytes().unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, bytes).generate(unix as u64)
}

/// A new session as a login makes it: the store decides its stage from the account.
async fn login_session(s: &store::Store) -> store::sessions::SessionInfo {
    let token = s
        .create_session("acc-broker", "127.0.0.1", "test")
        .await
        .unwrap();
    s.session(&token).await.unwrap().unwrap()
}

both!(totp_enrolment_login_recovery_and_disabling, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let first = login_session(s).await;
    assert!(first.is_full() && !first.needs_second_factor());
    let setup = s.begin_totp("acc-broker").await.unwrap();
    assert!(setup.uri.starts_with("otpauth://totp/"));
    assert!(setup.qr_svg.contains("<svg"));
    assert!(
        !s.totp_enabled("acc-broker").await.unwrap(),
        "not before the first code"
    );

    match s.confirm_totp(&first, "000000", "").await {
        Err(StoreError::Invalid(e)) => assert!(e.get("code").is_some()),
        other => panic!("{other:?}"),
    }
    let now = s.now().timestamp();
    let codes = s
        .confirm_totp(&first, &code_at(&setup.secret, now), "")
        .await
        .unwrap();
    assert_eq!(codes.len(), 10);
    assert!(s.totp_enabled("acc-broker").await.unwrap());
    assert_eq!(s.recovery_codes_left("acc-broker").await.unwrap(), 10);

    // A login now owes the code; the code just used does not work twice.
    let pending = login_session(s).await;
    assert!(pending.needs_second_factor() && !pending.is_full());
    assert!(
        s.pass_second_factor(&pending, &code_at(&setup.secret, now), "")
            .await
            .is_err()
    );
    db.clock.advance(Duration::seconds(30));
    let later = s.now().timestamp();
    let token = s
        .pass_second_factor(&pending, &code_at(&setup.secret, later), "")
        .await
        .unwrap();
    // The full session has a new token; the one that owed the factor opens nothing.
    assert!(s.session(&token).await.unwrap().unwrap().is_full());
    assert!(!s.session_alive(&pending.id_hash).await.unwrap());

    // A recovery code works once, in any case and spacing.
    let pending = login_session(s).await;
    s.pass_second_factor(&pending, &codes[0].to_lowercase().replace('-', " "), "")
        .await
        .unwrap();
    assert_eq!(s.recovery_codes_left("acc-broker").await.unwrap(), 9);
    let again = login_session(s).await;
    match s.pass_second_factor(&again, &codes[0], "").await {
        Err(StoreError::Invalid(e)) => assert!(e.get("code").unwrap().contains("уже использован")),
        other => panic!("{other:?}"),
    }

    // Five wrong codes end the session.
    let mut last = Ok(String::new());
    for _ in 0..4 {
        last = s.pass_second_factor(&again, "123456", "").await;
    }
    assert!(matches!(last, Err(StoreError::Refused(_))), "{last:?}");
    assert!(!s.session_alive(&again.id_hash).await.unwrap());

    // Turning it off needs the password and a code.
    db.clock.advance(Duration::seconds(30));
    let t = s.now().timestamp();
    assert!(matches!(
        s.disable_totp("acc-broker", "wrong", &code_at(&setup.secret, t), "")
            .await,
        Err(StoreError::Invalid(_))
    ));
    s.disable_totp(
        "acc-broker",
        store::demo::DEMO_PASSWORD,
        &code_at(&setup.secret, t),
        "",
    )
    .await
    .unwrap();
    assert!(!s.totp_enabled("acc-broker").await.unwrap());
    assert!(!login_session(s).await.needs_second_factor());
});

both!(sms_codes_as_the_second_factor, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let phone = "+79160000003";
    let first = login_session(s).await;
    assert_eq!(
        s.begin_sms_factor("acc-broker").await.unwrap(),
        "+7 *** ***-00-03"
    );
    match s.confirm_sms_factor(&first, "000000", "").await {
        Err(StoreError::Invalid(e)) => assert!(e.get("code").unwrap().contains("Осталось попыток")),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.factor_method("acc-broker").await.unwrap(), None);
    let code = common::last_code(s, phone).await;
    let recovery = s.confirm_sms_factor(&first, &code, "").await.unwrap();
    assert_eq!(recovery.len(), 10);
    assert_eq!(
        s.factor_method("acc-broker").await.unwrap(),
        Some(domain::status::FactorMethod::Sms)
    );
    // One method at a time.
    assert!(matches!(
        s.begin_totp("acc-broker").await,
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        s.begin_sms_factor("acc-broker").await,
        Err(StoreError::Refused(_))
    ));

    // A login owes an SMS code: sent, not resent within the cool-down, five tries, single use.
    let pending = login_session(s).await;
    assert!(pending.needs_second_factor());
    assert!(matches!(
        s.send_login_code(&first, "").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.send_login_code(&pending, "").await.unwrap(),
        "+7 *** ***-00-03"
    );
    assert!(matches!(
        s.send_login_code(&pending, "").await,
        Err(StoreError::Refused(m)) if m.contains("Новый код можно запросить")
    ));
    let code = common::last_code(s, phone).await;
    match s.pass_second_factor(&pending, "111111", "").await {
        Err(StoreError::Invalid(e)) => {
            assert!(e.get("code").unwrap().contains("Осталось попыток: 4"))
        }
        other => panic!("{other:?}"),
    }
    s.pass_second_factor(&pending, &code, "").await.unwrap();
    let again = login_session(s).await;
    match s.pass_second_factor(&again, &code, "").await {
        Err(StoreError::Invalid(e)) => assert!(e.get("code").unwrap().contains("недействителен")),
        other => panic!("{other:?}"),
    }

    // A code expires after five minutes.
    db.clock.advance(Duration::seconds(61));
    s.send_login_code(&again, "").await.unwrap();
    let code = common::last_code(s, phone).await;
    db.clock.advance(Duration::minutes(6));
    assert!(s.session_alive(&again.id_hash).await.unwrap());
    match s.pass_second_factor(&again, &code, "").await {
        Err(StoreError::Invalid(e)) => assert!(e.get("code").unwrap().contains("истёк")),
        other => panic!("{other:?}"),
    }
    // A recovery code still works.
    s.pass_second_factor(&again, &recovery[3], "")
        .await
        .unwrap();
    assert_eq!(s.recovery_codes_left("acc-broker").await.unwrap(), 9);

    // Profile changes ask for an SMS code too.
    assert_eq!(
        s.send_identity_code("acc-broker").await.unwrap(),
        "+7 *** ***-00-03"
    );

    // Turning it off: the password and a fresh code (here the identity code just sent).
    let code = common::last_code(s, phone).await;
    assert!(matches!(
        s.disable_sms_factor("acc-broker", "wrong", &code, "").await,
        Err(StoreError::Invalid(e)) if e.get("password").is_some()
    ));
    assert!(matches!(
        s.disable_sms_factor("acc-broker", store::demo::DEMO_PASSWORD, "", "").await,
        Err(StoreError::Invalid(e)) if e.get("code").is_some()
    ));
    s.disable_sms_factor("acc-broker", store::demo::DEMO_PASSWORD, &code, "")
        .await
        .unwrap();
    assert_eq!(s.factor_method("acc-broker").await.unwrap(), None);
    assert_eq!(s.recovery_codes_left("acc-broker").await.unwrap(), 0);
    assert!(!login_session(s).await.needs_second_factor());
    let actions: Vec<String> = s
        .journal_for_account("acc-broker", 50, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.action)
        .collect();
    for a in [
        "2fa.sms_enabled",
        "2fa.sms_sent",
        "2fa.sms_passed",
        "2fa.recovery_code",
        "2fa.disabled",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
});

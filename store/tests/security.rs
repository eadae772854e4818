//! An attacker's checklist for the login, on SQLite and PostgreSQL: each test names the attack
//! it tries and asserts what the attacker gets (nothing) and what the data must be.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use store::sessions::Stage;
use store::{Store, StoreError};
use totp_rs::{Algorithm, Secret, TOTP};

fn code_at(secret: &str, unix: i64) -> String {
    let bytes = Secret::Encoded(secret.into()).to_bytes().unwrap();
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, bytes).generate(unix as u64)
}

/// Turns on the TOTP app for `account`; answers its secret.
async fn enrol_totp(s: &Store, account: &str) -> String {
    let token = s.create_session(account, "ip", "ua").await.unwrap();
    let session = s.session(&token).await.unwrap().unwrap();
    let setup = s.begin_totp(account).await.unwrap();
    let now = s.now().timestamp();
    s.confirm_totp(&session, &code_at(&setup.secret, now), "")
        .await
        .unwrap();
    setup.secret
}

/// A login with the password: the session the store starts for it.
async fn password_session(s: &Store, account: &str) -> (String, store::sessions::SessionInfo) {
    let token = s
        .create_session(account, "203.0.113.9", "ua")
        .await
        .unwrap();
    let session = s.session(&token).await.unwrap().unwrap();
    (token, session)
}

async fn actions(s: &Store, account: &str) -> Vec<String> {
    s.journal_for_account(account, 500, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect()
}

both!(
    attack_skip_the_second_factor_through_the_confirmation_step,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        enrol_totp(s, "acc-broker").await;
        let (token, pending) = password_session(s, "acc-broker").await;
        assert_eq!(pending.stage, Stage::SecondFactor);

        // The confirmation step with any code: refused, and the session still owes the factor.
        assert!(matches!(
            s.confirm_session(&pending, "000000", "").await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.confirm_account("acc-broker", "000000", "").await,
            Err(StoreError::Refused(_))
        ));
        let still = s.session(&token).await.unwrap().unwrap();
        assert_eq!(still.stage, Stage::SecondFactor);
        assert!(!still.is_full());

        // A session that owes nothing cannot be "advanced" by a second-factor step either.
        let (_, plain) = password_session(s, "acc-demo").await;
        assert_eq!(plain.stage, Stage::Full);
        assert!(matches!(
            s.pass_second_factor(&plain, "123456", "").await,
            Err(StoreError::NotFound)
        ));
    }
);

both!(attack_reuse_the_token_that_owed_the_second_factor, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let secret = enrol_totp(s, "acc-broker").await;
    db.clock.advance(chrono::Duration::seconds(30));
    let (old_token, pending) = password_session(s, "acc-broker").await;
    let new_token = s
        .pass_second_factor(&pending, &code_at(&secret, s.now().timestamp()), "")
        .await
        .unwrap();
    assert_ne!(new_token, old_token);
    // The token seen before the factor (a fixated or sniffed cookie) opens nothing now.
    assert!(s.session(&old_token).await.unwrap().is_none());
    let full = s.session(&new_token).await.unwrap().unwrap();
    assert_eq!(full.stage, Stage::Full);
    assert!(full.second_factor_at.is_some());
    // And the step cannot be replayed on the old session to mint a second one.
    db.clock.advance(chrono::Duration::seconds(30));
    let again = code_at(&secret, s.now().timestamp());
    assert!(s.pass_second_factor(&pending, &again, "").await.is_err());
    assert!(s.session(&new_token).await.unwrap().unwrap().is_full());
});

both!(
    attack_confirmation_code_on_an_unconfirmed_session_rotates_it,
    |db| {
        let s = &db.store;
        let form = domain::forms::Registration {
            full_name: "Сидоров Сидор Сидорович".into(),
            email: "sidorov@example.ru".into(),
            phone: "+79160001234".into(),
            id_number: "112-233-445 95".into(),
            password: "Sidorov-2026!".into(),
            password2: "Sidorov-2026!".into(),
            channel: "email".into(),
        };
        let account = s.register(&form, "ip").await.unwrap();
        let (old_token, session) = password_session(s, &account.id).await;
        assert_eq!(session.stage, Stage::Unconfirmed);
        send_confirmation(s, &account.id).await;
        let code = common::last_code(s, "sidorov@example.ru").await;
        let new_token = s.confirm_session(&session, &code, "ip").await.unwrap();
        assert!(s.session(&old_token).await.unwrap().is_none());
        assert_eq!(
            s.session(&new_token).await.unwrap().unwrap().stage,
            Stage::Full
        );
    }
);

both!(attack_fifty_parallel_password_guesses, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let demo = s.account("acc-demo").await.unwrap();
    let snils = demo.snils.clone().unwrap();
    let inn = demo.inn.clone().unwrap();
    // The same account under all four of its logins, each from its own address.
    let logins = [
        "demo@example.ru",
        "+79160000001",
        snils.as_str(),
        inn.as_str(),
    ];
    let mut tries = Vec::new();
    for i in 0..50 {
        let store = s.clone();
        let login = logins[i % logins.len()].to_string();
        tries.push(tokio::spawn(async move {
            store
                .login(
                    &login,
                    &format!("Wrong-Guess-{i}"),
                    &format!("198.51.100.{i}"),
                )
                .await
        }));
    }
    let mut wrong = 0;
    let mut blocked = 0;
    for t in tries {
        match t.await.unwrap() {
            Err(StoreError::Refused(m)) if m == store::accounts::WRONG_CREDENTIALS => wrong += 1,
            Err(StoreError::Refused(m)) if m.contains("заблокирован") => blocked += 1,
            other => panic!("{other:?}"),
        }
    }
    let limit = s.config().login_failures_per_account as usize;
    // A password is verified only for an attempt answered "wrong": at most the limit of them.
    let verified = actions(s, "acc-demo")
        .await
        .iter()
        .filter(|a| *a == "login.failed")
        .count();
    assert_eq!(verified, wrong);
    assert!(wrong <= limit, "{wrong} passwords verified");
    assert_eq!(wrong + blocked, 50);
    // The right password is refused too until the block ends.
    assert!(matches!(
        s.login("demo@example.ru", store::demo::DEMO_PASSWORD, "192.0.2.1").await,
        Err(StoreError::Refused(m)) if m.contains("заблокирован")
    ));
});

both!(attack_unknown_and_known_logins_are_throttled_alike, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let limit = s.config().login_failures_per_account;
    let mut answers = Vec::new();
    for login in ["demo@example.ru", "nobody@example.ru"] {
        let mut seq = Vec::new();
        for i in 0..=limit {
            let e = s
                .login(login, "Wrong-Guess-1", &format!("198.51.100.{i}"))
                .await
                .unwrap_err();
            seq.push(e.to_string());
        }
        answers.push(seq);
    }
    assert_eq!(answers[0], answers[1], "the answers tell who is registered");
    assert!(answers[0].last().unwrap().contains("заблокирован"));
});

both!(attack_guess_second_factor_codes_over_many_logins, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let secret = enrol_totp(s, "acc-broker").await;
    let limit = store::twofactor::SECOND_FACTOR_FAILURES_PER_ACCOUNT;
    let mut wrong = 0;
    // Four wrong codes per login (one short of the session's limit), login after login.
    'logins: loop {
        let (_, pending) = password_session(s, "acc-broker").await;
        for _ in 0..4 {
            let r = s
                .pass_second_factor(&pending, "000001", "203.0.113.9")
                .await;
            wrong += 1;
            if wrong == limit {
                assert!(
                    matches!(&r, Err(StoreError::Refused(m)) if m.contains("Войдите заново")),
                    "{r:?}"
                );
                break 'logins;
            }
            assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");
        }
    }
    // Locked: a new login with the right code is refused, saying so, for an hour.
    db.clock.advance(chrono::Duration::seconds(30));
    let (_, pending) = password_session(s, "acc-broker").await;
    let right = code_at(&secret, s.now().timestamp());
    match s.pass_second_factor(&pending, &right, "").await {
        Err(StoreError::Refused(m)) => assert!(m.contains("заблокирован"), "{m}"),
        other => panic!("{other:?}"),
    }
    let journal = actions(s, "acc-broker").await;
    assert_eq!(journal.iter().filter(|a| *a == "2fa.locked").count(), 1);
    let letters = s.outbox(50).await.unwrap();
    let broker = s.account("acc-broker").await.unwrap();
    assert!(
        letters
            .iter()
            .any(|m| m.recipient == broker.email && m.subject.contains("вход заблокирован")),
        "the owner is told"
    );
    // An hour later the right code opens the cabinet again.
    db.clock.advance(chrono::Duration::minutes(61));
    let (_, pending) = password_session(s, "acc-broker").await;
    let right = code_at(&secret, s.now().timestamp());
    let token = s.pass_second_factor(&pending, &right, "").await.unwrap();
    assert!(s.session(&token).await.unwrap().unwrap().is_full());
});

both!(attack_parallel_second_factor_guesses, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    enrol_totp(s, "acc-broker").await;
    let limit = store::twofactor::SECOND_FACTOR_FAILURES_PER_ACCOUNT as usize;
    // Many sessions after the password, each guessing at once.
    let mut tries = Vec::new();
    for i in 0..30 {
        let (_, pending) = password_session(s, "acc-broker").await;
        let store = s.clone();
        tries.push(tokio::spawn(async move {
            store
                .pass_second_factor(&pending, &format!("{:06}", 100_000 + i), "ip")
                .await
        }));
    }
    for t in tries {
        assert!(t.await.unwrap().is_err());
    }
    let checked = actions(s, "acc-broker")
        .await
        .iter()
        .filter(|a| *a == "2fa.failed")
        .count();
    assert!(checked <= limit, "{checked} codes checked");
});

both!(attack_staff_area_on_a_password_alone, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    // The demo staff member has an app; a session on the password alone owes its code.
    let (_, pending) = password_session(s, "acc-staff").await;
    assert_eq!(pending.stage, Stage::SecondFactor);
    assert!(s.staff_access_requests("acc-staff").await.is_ok());
    // Without the app, the staff area stays shut and says why.
    db.clock.advance(chrono::Duration::seconds(30));
    let code = code_at(store::demo::DEMO_STAFF_TOTP_SECRET, s.now().timestamp());
    s.disable_totp("acc-staff", store::demo::DEMO_PASSWORD, &code, "")
        .await
        .unwrap();
    assert!(matches!(
        s.staff_access_requests("acc-staff").await,
        Err(StoreError::Refused(m)) if m == store::staff::STAFF_NEEDS_TOTP
    ));
    assert!(matches!(
        s.staff_policyholders("acc-staff", "").await,
        Err(StoreError::Refused(_))
    ));
    assert!(s.staff_without_totp("acc-staff").await.unwrap());
    // Not staff at all: nothing there.
    assert!(matches!(
        s.staff_access_requests("acc-demo").await,
        Err(StoreError::NotFound)
    ));
    // A new staff member of the demo has an app of its own.
    let (email, _) = s.demo_staff_account().await.unwrap();
    let id = s.account_id_by_email(&email).await.unwrap().unwrap();
    assert!(!s.staff_without_totp(&id).await.unwrap());
    assert_eq!(password_session(s, &id).await.1.stage, Stage::SecondFactor);
});

// ---- Registration (item 8): who is registered stays unknown, and nothing can be reserved ----

fn registration(
    name: &str,
    email: &str,
    phone: &str,
    id_number: &str,
) -> domain::forms::Registration {
    domain::forms::Registration {
        full_name: name.into(),
        email: email.into(),
        phone: phone.into(),
        id_number: id_number.into(),
        password: "Nadezhnyi-Parol-7".into(),
        password2: "Nadezhnyi-Parol-7".into(),
        channel: "email".into(),
    }
}

const PETROV_SNILS: &str = "112-233-445 95";

/// Registers and confirms Петров with his own e-mail and СНИЛС; answers his account id.
async fn confirmed_petrov(s: &Store) -> String {
    let petrov = registration(
        "Петров Пётр Петрович",
        "petrov@example.ru",
        "+7 916 000-01-01",
        PETROV_SNILS,
    );
    let account = s.register(&petrov, "198.51.100.1").await.unwrap();
    send_confirmation(s, &account.id).await;
    let code = common::last_code(s, "petrov@example.ru").await;
    s.confirm_account(&account.id, &code, "").await.unwrap();
    account.id
}

/// Sends the confirmation «code» of `account` by e-mail, as the registration page does.
async fn send_confirmation(s: &Store, account: &str) {
    s.send_code(
        account,
        store::codes::Purpose::Confirm,
        domain::status::Channel::Email,
    )
    .await
    .unwrap();
}

/// The newest message to `to` in the outbox.
async fn last_message(s: &Store, to: &str) -> store::notify::OutboxItem {
    s.outbox(100)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.recipient == to)
        .unwrap_or_else(|| panic!("a message to {to}"))
}

fn has_code(body: &str) -> bool {
    body.split(|c: char| !c.is_ascii_digit())
        .any(|w| w.len() == 6)
}

both!(
    attack_learn_who_is_registered_from_the_registration_answer,
    |db| {
        let s = &db.store;
        let petrov = confirmed_petrov(s).await;
        // The attacker types Петров's СНИЛС (or his e-mail) with contacts of his own: the answer is
        // an unconfirmed account, just as for data nobody holds, not a field error naming what is taken.
        let probe = registration(
            "Иванов Иван",
            "probe@example.ru",
            "+7 916 555-00-01",
            PETROV_SNILS,
        );
        let taken = s.register(&probe, "203.0.113.7").await.unwrap();
        assert!(taken.confirmed_at.is_none());
        let fresh = registration(
            "Иванов Иван",
            "probe2@example.ru",
            "+7 916 555-00-02",
            "200-300-400 48",
        );
        let free = s.register(&fresh, "203.0.113.7").await.unwrap();
        assert!(free.confirmed_at.is_none());
        let by_email = registration(
            "Иванов Иван",
            "petrov@example.ru",
            "+7 916 555-00-03",
            "157-842-963 14",
        );
        let by_email = s.register(&by_email, "203.0.113.7").await.unwrap();
        // Its notice goes to Петров's own address: he is the one who reads it.
        send_confirmation(s, &by_email.id).await;
        // The "code" for the taken data is a notice with no code in it; the other gets a code.
        send_confirmation(s, &taken.id).await;
        let notice = last_message(s, "probe@example.ru").await;
        assert!(!has_code(&notice.body), "{}", notice.body);
        assert!(
            notice.body.contains("уже есть учётная запись"),
            "{}",
            notice.body
        );
        send_confirmation(s, &free.id).await;
        assert!(has_code(&last_message(s, "probe2@example.ru").await.body));
        // No code ever sent can confirm the taken registration.
        for guess in ["000000", "123456"] {
            assert!(s.confirm_account(&taken.id, guess, "").await.is_err());
        }
        // Петров hears of both attempts by his own e-mail and in his journal.
        let told = s
            .outbox(100)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.recipient == "petrov@example.ru" && !has_code(&m.body))
            .count();
        assert_eq!(
            told, 2,
            "one notice of the СНИЛС used, one instead of the code for his e-mail"
        );
        assert_eq!(
            actions(s, &petrov)
                .await
                .iter()
                .filter(|a| *a == "account.registration_attempt")
                .count(),
            2
        );
    }
);

both!(
    attack_squat_a_snils_with_a_registration_never_confirmed,
    |db| {
        let s = &db.store;
        // The squatter registers Петров's СНИЛС with his own contacts and gets a real code, since
        // nobody holds the СНИЛС yet, but keeps it.
        let squat = registration(
            "Захватов Захар",
            "squat@example.ru",
            "+7 916 555-00-09",
            PETROV_SNILS,
        );
        let squatter = s.register(&squat, "203.0.113.8").await.unwrap();
        send_confirmation(s, &squatter.id).await;
        let squat_code = common::last_code(s, "squat@example.ru").await;
        // Петров registers with his СНИЛС all the same, and confirms first.
        let petrov = confirmed_petrov(s).await;
        // The squatter's code no longer confirms anything: the СНИЛС is bound to Петров.
        let e = s
            .confirm_account(&squatter.id, &squat_code, "")
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(f) if f.get("code") == Some(store::accounts::IDENTIFIERS_TAKEN)),
            "{e:?}"
        );
        assert!(
            s.account(&squatter.id)
                .await
                .unwrap()
                .confirmed_at
                .is_none()
        );
        // And Петров logs in with his СНИЛС to his own account.
        let logged = s
            .login(PETROV_SNILS, "Nadezhnyi-Parol-7", "198.51.100.1")
            .await
            .unwrap();
        assert_eq!(logged.account.id, petrov);
    }
);

both!(attack_probe_registrations_without_being_counted, |db| {
    let s = &db.store;
    confirmed_petrov(s).await;
    // Attempts with taken data count towards the address's limit like any other.
    let limit = s.config().registrations_per_ip_hour;
    for i in 0..limit {
        let probe = registration(
            "Иванов Иван",
            &format!("probe{i}@example.ru"),
            "+7 916 555-00-01",
            PETROV_SNILS,
        );
        s.register(&probe, "203.0.113.5").await.unwrap();
    }
    let probe = registration(
        "Иванов Иван",
        "last@example.ru",
        "+7 916 555-00-01",
        PETROV_SNILS,
    );
    let e = s.register(&probe, "203.0.113.5").await.unwrap_err();
    assert!(
        matches!(e, StoreError::Refused(ref m) if m.contains("Слишком много регистраций")),
        "{e:?}"
    );
});

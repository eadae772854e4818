//! Authority: nobody reads another policyholder's data by guessing ids; expired authorities end.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use store::StoreError;

both!(policies_of_others_are_not_found, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let demo = s.accessible_policyholders("acc-demo").await.unwrap();
    assert_eq!(demo.len(), 2, "self and the relative by power of attorney");
    assert_eq!(demo[0].role, "self");
    let own = &demo[0].id;
    let policies = s.list_policies("acc-demo", own).await.unwrap();
    assert_eq!(policies.len(), 3);
    let policy_id = &policies[0].id;
    assert!(s.policy("acc-demo", own, policy_id).await.is_ok());

    // The representative tries the citizen's policyholder and policy ids.
    assert!(s.list_policies("acc-rep", own).await.unwrap().is_empty());
    assert!(matches!(
        s.policy("acc-rep", own, policy_id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.authorized_policyholder("acc-rep", own).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.overview("acc-rep", own).await,
        Err(StoreError::NotFound)
    ));
    let rep_own = s.accessible_policyholders("acc-rep").await.unwrap()[0]
        .id
        .clone();
    assert!(
        matches!(
            s.policy("acc-rep", &rep_own, policy_id).await,
            Err(StoreError::NotFound)
        ),
        "policy of another holder under one's own holder id"
    );

    // Switching to someone else's policyholder is refused as not found.
    let token = s.create_session("acc-rep", "ip", "ua").await.unwrap();
    let session = s.session(&token).await.unwrap().unwrap();
    assert!(matches!(
        s.set_acting(&session, own, "ip").await,
        Err(StoreError::NotFound)
    ));
});

both!(representative_and_broker_scopes, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let rep = s.accessible_policyholders("acc-rep").await.unwrap();
    let roles: Vec<&str> = rep.iter().map(|p| p.role.as_str()).collect();
    assert_eq!(roles, ["self", "representative"]);
    assert_eq!(rep[1].name, "ООО «Ромашка»");
    assert_eq!(
        s.list_policies("acc-rep", &rep[1].id).await.unwrap().len(),
        2
    );

    let broker = s.accessible_policyholders("acc-broker").await.unwrap();
    let clients = broker.iter().filter(|p| p.role == "broker").count();
    assert_eq!(clients, 6, "the seventh client's agreement has ended");
    assert!(
        s.accessible_policyholders("acc-staff")
            .await
            .unwrap()
            .is_empty()
    );
});

both!(money_adds_up_to_the_kopeck, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let own = s.accessible_policyholders("acc-demo").await.unwrap()[0]
        .id
        .clone();
    let overview = s.overview("acc-demo", &own).await.unwrap();
    assert_eq!(overview.all_policies, 3);
    assert_eq!(overview.active_policies, 2);
    assert!(overview.totals.debt().0 > 0, "the citizen has some debt");
    let mut sum = 0i64;
    for p in s.list_policies("acc-demo", &own).await.unwrap() {
        let d = s.policy("acc-demo", &own, &p.id).await.unwrap();
        sum += d.totals.debt().0;
        assert!(d.recent.len() <= 6);
    }
    assert_eq!(sum, overview.totals.debt().0);
    assert!(overview.next_due.is_some());
});

both!(journal_is_append_only, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    s.login("demo@example.ru", store::demo::DEMO_PASSWORD, "ip")
        .await
        .unwrap();
    let rows = s.journal_for_account("acc-demo", 10, 0).await.unwrap();
    assert_eq!(rows[0].action, "login.success");
    let update = store::on_pool!(s, p => sqlx::query("UPDATE journal SET action = 'x'").execute(p).await.map(|_| ()));
    assert!(update.is_err());
    let delete =
        store::on_pool!(s, p => sqlx::query("DELETE FROM journal").execute(p).await.map(|_| ()));
    assert!(delete.is_err());
});

both!(demo_loads_once_and_scales, |db| {
    let s = &db.store;
    let first = s.load_demo(20).await.unwrap().expect("loaded");
    assert_eq!(
        first.policyholders,
        16 + 20,
        "16 demo policyholders and 20 more"
    );
    assert!(first.contributions > 20 * 60);
    assert!(
        s.load_demo(20).await.unwrap().is_none(),
        "second load does nothing"
    );
});

both!(
    a_request_handle_never_lends_one_account_authority_to_another,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let demo = s.accessible_policyholders("acc-demo").await.unwrap();
        let (own, relative) = (&demo[0].id, &demo[1]);
        let request = s.for_request();
        assert_eq!(
            request
                .authorized_policyholder("acc-demo", own)
                .await
                .unwrap()
                .id,
            *own
        );
        // Checked once for the citizen, still "not found" for the representative in the same request.
        assert!(matches!(
            request.authorized_policyholder("acc-rep", own).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            request
                .contributions("acc-rep", own, &Default::default())
                .await,
            Err(StoreError::NotFound)
        ));
        // A power of attorney found in force today is not kept past its end.
        let ends = relative.valid_to.expect("the power of attorney has an end");
        assert!(
            request
                .authorized_policyholder("acc-demo", &relative.id)
                .await
                .is_ok()
        );
        let days = (ends - request.today()).num_days() + 1;
        db.clock.advance(chrono::Duration::days(days));
        assert!(matches!(
            request
                .authorized_policyholder("acc-demo", &relative.id)
                .await,
            Err(StoreError::NotFound)
        ));
        // The citizen's own authority has no end: still in force on that later day.
        let later = request.authorized_policyholder("acc-demo", own).await;
        assert_eq!(later.map(|p| p.role).ok().as_deref(), Some("self"));
    }
);

both!(
    a_demo_citizen_of_its_own_has_the_demo_citizens_data_and_nobody_elses,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        // Six made at the same moment, as browser tests side by side make them (on SQLite a
        // transaction that read before it wrote failed here with SQLITE_BUSY).
        let made = futures_util::future::join_all((0..6).map(|_| s.demo_citizen_account())).await;
        let made: Vec<(String, String)> = made.into_iter().map(|m| m.unwrap()).collect();
        let emails: std::collections::BTreeSet<&String> = made.iter().map(|m| &m.0).collect();
        assert_eq!(emails.len(), 6, "six different citizens");
        let ((a, a_inn), (b, _)) = (made[0].clone(), made[1].clone());
        assert_ne!(a, b);
        let a = s.account_id_by_email(&a).await.unwrap().expect("account a");
        let b = s.account_id_by_email(&b).await.unwrap().expect("account b");
        assert!(
            s.check_password(&a, store::demo::DEMO_PASSWORD)
                .await
                .unwrap()
        );
        let demo_own = s.accessible_policyholders("acc-demo").await.unwrap();
        let holders = s.accessible_policyholders(&a).await.unwrap();
        // The same shape as the demo citizen: himself and his mother (as a trusted person).
        assert_eq!(
            holders
                .iter()
                .map(|h| (h.name.clone(), h.role.clone()))
                .collect::<Vec<_>>(),
            demo_own
                .iter()
                .map(|h| (h.name.clone(), h.role.clone()))
                .collect::<Vec<_>>(),
        );
        let own = holders[0].id.clone();
        assert_ne!(own, demo_own[0].id, "a policyholder record of its own");
        // Staff find him by his ИНН, and only him.
        let staff = s.demo_staff_account().await.unwrap().0;
        let staff = s.account_id_by_email(&staff).await.unwrap().unwrap();
        let found = s.staff_policyholders(&staff, &a_inn).await.unwrap();
        assert_eq!(
            found.iter().map(|f| f.id.clone()).collect::<Vec<_>>(),
            vec![own.clone()]
        );
        let overview = s.overview(&a, &own).await.unwrap();
        assert_eq!(overview.all_policies, 3);
        assert_eq!(overview.active_policies, 2);
        assert!(overview.totals.debt().0 > 0, "some debt to pay");
        let choices = s.report_choices(&a, &own).await.unwrap();
        assert_eq!(
            choices.events.len(),
            2,
            "insured events for the works report"
        );
        // Neither sees the other's data, nor the demo citizen's.
        assert!(matches!(
            s.overview(&b, &own).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.overview(&a, &demo_own[0].id).await,
            Err(StoreError::NotFound)
        ));
    }
);

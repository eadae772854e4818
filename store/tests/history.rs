//! «История всех операций» on both databases: the policyholder's journal with who acted (and how
//! they stand to the policyholder), filters by person, kind, words and period, staff shown
//! without name or address, paging, the XLSX export; only authority over the whole policyholder
//! reads it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use chrono::Duration;
use domain::delegation::GrantForm;
use domain::history::HistoryFilter;
use store::{Store, StoreError};

async fn citizen(s: &Store) -> (String, String) {
    let (email, _) = s.demo_citizen_account().await.unwrap();
    let id = s.account_id_by_email(&email).await.unwrap().unwrap();
    let ph = common::own(s, &id).await;
    (id, ph)
}

fn grant(a: &store::accounts::Account, pay_only_policy: Option<&str>) -> GrantForm {
    GrantForm {
        full_name: a.full_name.clone(),
        id_number: a.inn.clone().unwrap(),
        contact: a.email.clone(),
        role: "broker".into(),
        pay: true,
        scope: if pay_only_policy.is_some() {
            "chosen"
        } else {
            "all"
        }
        .into(),
        policies: pay_only_policy
            .map(|p| vec![p.to_string()])
            .unwrap_or_default(),
        basis: "Агентский договор № 7 от 01.12.2026".into(),
        ..Default::default()
    }
}

fn filter(f: impl FnOnce(&mut HistoryFilter)) -> HistoryFilter {
    let mut h = HistoryFilter {
        page: 1,
        ..Default::default()
    };
    f(&mut h);
    h
}

both!(the_history_shows_who_did_what_and_filters_it, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let (a, ph) = citizen(s).await;
    let (b, _) = citizen(s).await;
    let (c, _) = citizen(s).await;
    let b_account = s.account(&b).await.unwrap();
    let c_account = s.account(&c).await.unwrap();
    let id = s
        .grant_access(&a, &ph, &grant(&b_account, None), "10.0.0.1")
        .await
        .unwrap();
    s.accept_grant(&b, &id, "10.0.0.2").await.unwrap();
    let policies = s.list_policies(&a, &ph).await.unwrap();
    let limited = s
        .grant_access(
            &a,
            &ph,
            &grant(&c_account, Some(&policies[0].id)),
            "10.0.0.1",
        )
        .await
        .unwrap();
    s.accept_grant(&c, &limited, "10.0.0.3").await.unwrap();

    let all = s.history(&a, &ph, &filter(|_| {})).await.unwrap();
    let accepted = all
        .rows
        .iter()
        .find(|r| r.action == "authority.accepted" && r.ip == "10.0.0.2")
        .expect("the broker's acceptance");
    assert_eq!(accepted.actor, b_account.full_name);
    assert_eq!(accepted.actor_role, "Агент / брокер");
    assert_eq!(accepted.label(), "Выданный доступ принят");
    assert_eq!(accepted.href().as_deref(), Some("/proxies"));
    let granted = all
        .rows
        .iter()
        .find(|r| r.action == "authority.granted")
        .expect("the grant");
    assert_eq!(granted.actor_role, "Физическое лицо");
    assert_eq!(granted.ip, "10.0.0.1");
    assert!(
        all.rows.windows(2).all(|w| w[0].at >= w[1].at),
        "newest first"
    );
    assert!(all.actors.iter().any(|x| x.id == b) && all.actors.iter().any(|x| x.id == a));
    assert_eq!(all.total, all.rows.len() as i64);

    // By person, kind, words (the label's and the details', in any case), period.
    let by_b = s
        .history(&a, &ph, &filter(|f| f.actor = Some(b.clone())))
        .await
        .unwrap();
    assert!(!by_b.rows.is_empty() && by_b.rows.iter().all(|r| r.actor == b_account.full_name));
    let kind = s
        .history(&a, &ph, &filter(|f| f.kind = Some("authority".into())))
        .await
        .unwrap();
    assert!(kind.rows.len() >= 4 && kind.rows.iter().all(|r| r.action.starts_with("authority.")));
    let none = s
        .history(&a, &ph, &filter(|f| f.kind = Some("payment".into())))
        .await
        .unwrap();
    assert_eq!(none.total, 0);
    let by_label = s
        .history(&a, &ph, &filter(|f| f.search = Some("ПРИНЯТ".into())))
        .await
        .unwrap();
    assert_eq!(by_label.total, 2, "{:?}", by_label.rows);
    let surname = b_account
        .full_name
        .split(' ')
        .next()
        .unwrap()
        .to_lowercase();
    let by_details = s
        .history(&a, &ph, &filter(|f| f.search = Some(surname.clone())))
        .await
        .unwrap();
    assert!(
        by_details
            .rows
            .iter()
            .any(|r| r.action == "authority.granted"),
        "«{surname}» in the details: {:?}",
        by_details.rows
    );
    let wildcard = s
        .history(&a, &ph, &filter(|f| f.search = Some("%".into())))
        .await
        .unwrap();
    assert_eq!(wildcard.total, 0, "% is a character, not a wildcard");
    let yesterday = s.today() - Duration::days(1);
    let before = s
        .history(&a, &ph, &filter(|f| f.to = Some(yesterday)))
        .await
        .unwrap();
    assert!(before.rows.iter().all(|r| r.action != "authority.granted"));
    let today = s
        .history(&a, &ph, &filter(|f| f.from = Some(s.today())))
        .await
        .unwrap();
    assert!(today.rows.iter().any(|r| r.action == "authority.granted"));

    // The broker over every policy reads it; the one over one policy, and a stranger, do not.
    assert!(s.history(&b, &ph, &filter(|_| {})).await.is_ok());
    for who in [&c, &"acc-rep".to_string()] {
        assert!(matches!(
            s.history(who, &ph, &filter(|_| {})).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.history_xlsx(who, &ph, &filter(|_| {})).await,
            Err(StoreError::NotFound)
        ));
    }
    let xlsx = s.history_xlsx(&a, &ph, &filter(|_| {})).await.unwrap();
    assert!(xlsx.starts_with(b"PK"), "an XLSX (zip) file");
});

both!(staff_appear_without_name_or_address_and_pages_hold, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let romashka = s
        .accessible_policyholders("acc-rep")
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.kind == "organisation")
        .unwrap()
        .id;
    let (b, _) = citizen(s).await;
    let mut form = grant(&s.account(&b).await.unwrap(), None);
    form.files = vec![
        s.upload_attachment(
            "acc-rep",
            "files",
            "договор.pdf",
            b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        )
        .await
        .unwrap()
        .id,
    ];
    let id = s
        .grant_access("acc-rep", &romashka, &form, "10.0.0.9")
        .await
        .unwrap();
    s.staff_decide_authority("acc-staff", &id, true, "", "192.168.7.7")
        .await
        .unwrap();
    let h = s
        .history("acc-rep", &romashka, &filter(|_| {}))
        .await
        .unwrap();
    let staff = h
        .rows
        .iter()
        .find(|r| r.action == "authority.basis_confirmed")
        .expect("the staff decision");
    assert_eq!(
        (staff.actor.as_str(), staff.ip.as_str()),
        ("Сотрудник страховщика", "")
    );
    assert!(
        h.actors.iter().all(|a| a.id != "acc-staff"),
        "staff are not offered as a filter"
    );

    // Paging: a page past the last is empty, the total stays.
    let many = s
        .history("acc-rep", &romashka, &filter(|f| f.page = 1))
        .await
        .unwrap();
    let past = s
        .history("acc-rep", &romashka, &filter(|f| f.page = 1000))
        .await
        .unwrap();
    assert!(past.rows.is_empty());
    assert_eq!(past.total, many.total);
});

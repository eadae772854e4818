//! «Мои клиенты» on both databases: the broker's clients with their debts worked out within the
//! authority's policies (the same sums «Взносы» shows them), found by name in any case, by ИНН and
//! by policy number; ended and revoked authorities drop out; the right to reports shows deadlines
//! and open requests, its absence hides them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use domain::clients::ClientFilter;
use domain::delegation::GrantForm;
use domain::query::TableQuery;

/// Every page of «Задолженности всех клиентов».
async fn every_debt(
    s: &store::Store,
    who: &str,
    f: &ClientFilter,
) -> Vec<domain::clients::ClientDebtRow> {
    let mut out = Vec::new();
    for page in 1.. {
        let mut f = f.clone();
        f.page = page;
        let p = s.clients_debts(who, &f).await.unwrap();
        if p.rows.is_empty() {
            break;
        }
        out.extend(p.rows);
    }
    out
}

fn filter(f: impl FnOnce(&mut ClientFilter)) -> ClientFilter {
    let mut c = ClientFilter {
        page: 1,
        ..Default::default()
    };
    f(&mut c);
    c
}

both!(the_brokers_clients_with_what_they_owe, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let all = s.clients("acc-broker", &filter(|_| {})).await.unwrap();
    assert_eq!(all.total, 6, "six agreements in force, one ended");
    assert_eq!(all.rows.len(), 6);
    assert!(
        all.rows.windows(2).all(|w| w[0].name <= w[1].name),
        "by name"
    );
    for c in &all.rows {
        // The same sum «Взносы» shows the broker for that client.
        let t = s
            .contributions("acc-broker", &c.policyholder_id, &TableQuery::default())
            .await
            .unwrap()
            .totals;
        assert_eq!(c.owed.0, t.accrued.0 - t.paid.0, "{}", c.name);
        assert!(c.overdue.0 <= c.owed.0);
        assert_eq!(c.role, "broker");
        assert!(
            c.open_requests.is_some() && c.next_deadline.is_some(),
            "{}: reports allowed",
            c.name
        );
    }
    let overdue = s
        .clients("acc-broker", &filter(|f| f.overdue = true))
        .await
        .unwrap();
    assert_eq!(
        overdue.total,
        all.rows.iter().filter(|c| c.overdue.0 > 0).count() as i64
    );
    assert!(overdue.rows.iter().all(|c| c.overdue.0 > 0));

    // By a part of the name in lower case, by ИНН, by a policy number.
    let first = &all.rows[0];
    let part = first.name.split(' ').next().unwrap().to_lowercase();
    let found = s
        .clients("acc-broker", &filter(|f| f.search = Some(part.clone())))
        .await
        .unwrap();
    assert!(
        found
            .rows
            .iter()
            .any(|c| c.policyholder_id == first.policyholder_id),
        "«{part}»"
    );
    let org = all
        .rows
        .iter()
        .find(|c| c.inn.is_some())
        .expect("a client with an ИНН");
    let by_inn = s
        .clients("acc-broker", &filter(|f| f.search = org.inn.clone()))
        .await
        .unwrap();
    assert_eq!(by_inn.rows.len(), 1);
    assert_eq!(by_inn.rows[0].policyholder_id, org.policyholder_id);
    let number = s
        .list_policies("acc-broker", &org.policyholder_id)
        .await
        .unwrap()[0]
        .number
        .to_lowercase();
    let by_number = s
        .clients("acc-broker", &filter(|f| f.search = Some(number.clone())))
        .await
        .unwrap();
    assert_eq!(by_number.rows.len(), 1, "policy {number}");
    let nobody = s
        .clients("acc-broker", &filter(|f| f.search = Some("%".into())))
        .await
        .unwrap();
    assert_eq!(nobody.total, 0);
    let past = s
        .clients("acc-broker", &filter(|f| f.page = 2))
        .await
        .unwrap();
    assert!(past.rows.is_empty() && past.total == 6);
    // Someone with no clients.
    assert_eq!(
        s.clients("acc-staff", &filter(|_| {})).await.unwrap().total,
        0
    );

    // «Задолженности всех клиентов»: exactly the debts each client's «Задолженности» shows the
    // broker, soonest first, with the same sums and пени.
    let (mut count, mut sum, mut late, mut penalties) = (0i64, 0i64, 0i64, 0i64);
    for c in &all.rows {
        let d = s.debts("acc-broker", &c.policyholder_id).await.unwrap();
        count += d.rows.len() as i64;
        sum += d.rows.iter().map(|r| r.amount.0).sum::<i64>();
        late += d.rows.iter().filter(|r| r.days_overdue > 0).count() as i64;
        penalties += d.rows.iter().map(|r| r.penalty.0).sum::<i64>();
    }
    assert!(count > 0);
    let debts = s
        .clients_debts("acc-broker", &filter(|_| {}))
        .await
        .unwrap();
    assert_eq!((debts.total, debts.amount.0), (count, sum));
    assert!(debts.rows.windows(2).all(|w| w[0].due_on <= w[1].due_on));
    let every = every_debt(s, "acc-broker", &filter(|_| {})).await;
    assert_eq!(every.len() as i64, count);
    assert_eq!(
        every.iter().map(|r| r.penalty.0).sum::<i64>(),
        penalties,
        "пени as «Задолженности» counts them"
    );
    let overdue = s
        .clients_debts("acc-broker", &filter(|f| f.overdue = true))
        .await
        .unwrap();
    assert_eq!(overdue.total, late);
    assert!(overdue.rows.iter().all(|r| r.days_overdue > 0));
    let one = s
        .clients_debts("acc-broker", &filter(|f| f.search = Some(part.clone())))
        .await
        .unwrap();
    assert!(
        one.rows
            .iter()
            .all(|r| r.client.to_lowercase().contains(&part))
    );
    let xlsx = s
        .clients_debts_xlsx("acc-broker", &filter(|_| {}))
        .await
        .unwrap();
    assert!(xlsx.starts_with(b"PK"));
    assert_eq!(
        s.clients_debts("acc-staff", &filter(|_| {}))
            .await
            .unwrap()
            .total,
        0
    );
});

both!(
    a_limited_authority_shows_only_its_policies_and_ends_at_once,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let (email, _) = s.demo_citizen_account().await.unwrap();
        let owner = s.account_id_by_email(&email).await.unwrap().unwrap();
        let ph = common::own(s, &owner).await;
        let (email, _) = s.demo_citizen_account().await.unwrap();
        let broker = s.account_id_by_email(&email).await.unwrap().unwrap();
        let b = s.account(&broker).await.unwrap();
        let policies = s.list_policies(&owner, &ph).await.unwrap();
        let form = GrantForm {
            full_name: b.full_name.clone(),
            id_number: b.inn.clone().unwrap(),
            contact: b.email.clone(),
            role: "broker".into(),
            pay: true,
            scope: "chosen".into(),
            policies: vec![policies[0].id.clone()],
            basis: "Агентский договор № 9 от 01.12.2026".into(),
            ..Default::default()
        };
        let id = s.grant_access(&owner, &ph, &form, "ip").await.unwrap();
        s.accept_grant(&broker, &id, "ip").await.unwrap();
        let list = s.clients(&broker, &filter(|_| {})).await.unwrap();
        let row = list
            .rows
            .iter()
            .find(|c| c.policyholder_id == ph)
            .expect("the new client");
        assert!(!row.all_policies && row.may_pay && !row.may_report);
        assert_eq!((row.open_requests, &row.next_deadline), (None, &None));
        let mine = s
            .contributions(&broker, &ph, &TableQuery::default())
            .await
            .unwrap()
            .totals;
        let whole = s
            .contributions(&owner, &ph, &TableQuery::default())
            .await
            .unwrap()
            .totals;
        assert_eq!(row.owed.0, mine.accrued.0 - mine.paid.0);
        assert!(
            row.owed.0 < whole.accrued.0 - whole.paid.0,
            "only the chosen policy"
        );
        // A number of a policy outside the scope finds nothing.
        let other = policies[1].number.clone();
        assert_eq!(
            s.clients(&broker, &filter(|f| f.search = Some(other.clone())))
                .await
                .unwrap()
                .rows
                .iter()
                .filter(|c| c.policyholder_id == ph)
                .count(),
            0,
            "{other} is not in the scope"
        );
        // Its debts across clients are those of the chosen policy only.
        let every = every_debt(s, &broker, &filter(|_| {})).await;
        let theirs: Vec<_> = every.iter().filter(|r| r.policyholder_id == ph).collect();
        assert!(!theirs.is_empty());
        assert!(
            theirs
                .iter()
                .all(|r| r.policy_number.as_deref() == Some(policies[0].number.as_str())),
            "{theirs:?}"
        );
        s.end_grant(&owner, &ph, &id, "ip").await.unwrap();
        assert!(
            every_debt(s, &broker, &filter(|_| {}))
                .await
                .iter()
                .all(|r| r.policyholder_id != ph)
        );
        assert!(
            s.clients(&broker, &filter(|_| {}))
                .await
                .unwrap()
                .rows
                .iter()
                .all(|c| c.policyholder_id != ph)
        );
    }
);

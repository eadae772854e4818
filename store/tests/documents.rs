//! Documents made from a policy («Полис», «Заявление на выплату», «История страховых случаев»)
//! and by staff for a request («Акт осмотра», «Справка»), on both databases: one document per data
//! version, in «Документы» with its kind, a PDF with a check code, authority (other people's
//! policies and requests are "not found"), the staff topic of the live stream, and the rate limit
//! of the public check.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use common::own;

use domain::requests::{RequestForm, RequestKind};
use store::documents::{CHECK_WINDOW_MINUTES, CHECKS_PER_IP, DocumentFilter};
use store::events::staff_topic;
use store::{Pool, Store, StoreError};

/// One text column of the row with this id.
async fn text(s: &Store, sql: &str, id: &str) -> String {
    match s.pool() {
        Pool::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(p)
            .await
            .unwrap(),
        Pool::Postgres(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(p)
            .await
            .unwrap(),
    }
}

async fn body(s: &Store, document: &str) -> String {
    text(s, "SELECT body FROM documents WHERE id = $1", document).await
}

async fn number(s: &Store, document: &str) -> String {
    text(s, "SELECT number FROM documents WHERE id = $1", document).await
}

/// The demo policy with insured events (the first running one of the policyholder).
async fn policy_with_events(s: &Store, ph: &str) -> String {
    text(
        s,
        "SELECT policy_id FROM insured_events WHERE policyholder_id = $1 ORDER BY number LIMIT 1",
        ph,
    )
    .await
}

async fn count_kind(s: &Store, ph: &str, kind: &str) -> i64 {
    s.documents_filtered(
        "acc-demo",
        ph,
        &DocumentFilter {
            kind: Some(kind.into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .1
}

both!(a_policy_makes_its_documents_once_per_data_version, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = own(s, "acc-demo").await;
    let policy = policy_with_events(s, &ph).await;
    let detail = s.policy("acc-demo", &ph, &policy).await.unwrap();
    let holder = s.account("acc-demo").await.unwrap();

    let mut made = Vec::new();
    for kind in ["policy", "payout_application", "events_history"] {
        let id = s
            .issue_policy_document("acc-demo", &ph, &policy, kind, "ip")
            .await
            .unwrap();
        // Pressed again (or twice at once): the same document.
        let (a, b) = tokio::join!(
            s.issue_policy_document("acc-demo", &ph, &policy, kind, "ip"),
            s.issue_policy_document("acc-demo", &ph, &policy, kind, "ip")
        );
        assert_eq!(a.unwrap(), id, "{kind}");
        assert_eq!(b.unwrap(), id, "{kind}");
        assert_eq!(count_kind(s, &ph, kind).await, 1, "{kind}");
        let (name, pdf) = s.document_pdf("acc-demo", &ph, &id).await.unwrap();
        assert!(pdf.starts_with(b"%PDF"), "{kind}");
        assert!(name.ends_with(".pdf") && name.is_ascii(), "{name}");
        // Every PDF carries a check code; the check names the kind.
        let code = text(s, "SELECT check_code FROM documents WHERE id = $1", &id).await;
        let check = s.check_document(&code).await.unwrap();
        assert_eq!(
            check.kind_label,
            domain::payments::DocumentRow::label_of(kind)
        );
        made.push((kind, id));
    }
    let (_, policy_doc) = &made[0];
    let (_, payout) = &made[1];
    let (_, history) = &made[2];
    assert_eq!(
        number(s, policy_doc).await,
        format!("ПОЛ-{}", detail.policy.number)
    );
    let text_of_policy = body(s, policy_doc).await;
    assert!(text_of_policy.contains(&detail.policy.number));
    assert!(text_of_policy.contains(&detail.policy.programme));
    assert!(text_of_policy.contains(&detail.insurer.name));
    // The payout template is filled in from the policy and the policyholder.
    let text_of_payout = body(s, payout).await;
    assert!(
        text_of_payout.contains(&detail.policy.number),
        "{text_of_payout}"
    );
    assert!(
        text_of_payout.contains(holder.full_name.split(' ').next().unwrap()),
        "{text_of_payout}"
    );
    assert!(text_of_payout.contains("Расчётный счёт получателя"));
    // The history lists the policy's insured events, one row each (number, date, text).
    let text_of_history = body(s, history).await;
    let rows: Vec<&str> = text_of_history
        .lines()
        .filter(|l| l.starts_with("СС-"))
        .collect();
    assert_eq!(rows.len(), 2, "{text_of_history}");
    assert!(rows.iter().all(|r| r.split('\t').count() == 3));
    assert!(text_of_history.contains("Повреждение кровли при сильном ветре"));

    // A new insured event is a new version of the history (a new number), not of the others.
    let sql = "INSERT INTO insured_events (id, policyholder_id, policy_id, number, occurred_at, description, created_at)
               VALUES ('ev-new', $1, $2, 'СС-2099-000001', $3, 'Пожар на складе', $3)";
    match s.pool() {
        Pool::Sqlite(p) => {
            sqlx::query(sql)
                .bind(&ph)
                .bind(&policy)
                .bind(s.now())
                .execute(p)
                .await
                .unwrap();
        }
        Pool::Postgres(p) => {
            sqlx::query(sql)
                .bind(&ph)
                .bind(&policy)
                .bind(s.now())
                .execute(p)
                .await
                .unwrap();
        }
    }
    let newer = s
        .issue_policy_document("acc-demo", &ph, &policy, "events_history", "ip")
        .await
        .unwrap();
    assert_ne!(&newer, history);
    assert_eq!(
        number(s, &newer).await,
        format!("ИСС-{}-2", detail.policy.number)
    );
    assert!(body(s, &newer).await.contains("Пожар на складе"));
    assert!(
        !body(s, history).await.contains("Пожар на складе"),
        "the old version stays as made"
    );
    assert_eq!(count_kind(s, &ph, "events_history").await, 2);
    assert_eq!(
        s.issue_policy_document("acc-demo", &ph, &policy, "policy", "ip")
            .await
            .unwrap(),
        *policy_doc
    );
    // Filed under the policy.
    let by_policy = s
        .documents_filtered(
            "acc-demo",
            &ph,
            &DocumentFilter {
                policy_id: Some(policy.clone()),
                kind: Some("payout_application".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(by_policy.0[0].id, *payout);
    assert_eq!(by_policy.0[0].kind_label(), "Заявление на выплату");

    // Journalled once per document made.
    let journal = s.journal_for_account("acc-demo", 50, 0).await.unwrap();
    assert_eq!(
        journal
            .iter()
            .filter(|j| j.action == "document.issued")
            .count(),
        4
    );
});

both!(policy_documents_only_with_authority, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = own(s, "acc-demo").await;
    let policy = policy_with_events(s, &ph).await;
    let rep_ph = own(s, "acc-rep").await;
    let before = s.documents("acc-demo", &ph, 1).await.unwrap().1;
    let nf =
        |r: Result<String, StoreError>| assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    // Somebody else's policy, through their own policyholder or through ours.
    nf(
        s.issue_policy_document("acc-rep", &rep_ph, &policy, "policy", "ip")
            .await,
    );
    nf(
        s.issue_policy_document("acc-rep", &ph, &policy, "policy", "ip")
            .await,
    );
    // Our policyholder with a policy of somebody else.
    let rep_policy = s.list_policies("acc-rep", &rep_ph).await.unwrap()[0]
        .id
        .clone();
    nf(
        s.issue_policy_document("acc-demo", &ph, &rep_policy, "policy", "ip")
            .await,
    );
    nf(
        s.issue_policy_document("acc-demo", &ph, "no-such-policy", "events_history", "ip")
            .await,
    );
    // Kinds a policy's page does not make.
    for kind in ["certificate", "inspection_act", "receipt", ""] {
        nf(
            s.issue_policy_document("acc-demo", &ph, &policy, kind, "ip")
                .await,
        );
    }
    assert_eq!(
        s.documents("acc-demo", &ph, 1).await.unwrap().1,
        before,
        "nothing was made"
    );
    // A made document stays the policyholder's.
    let id = s
        .issue_policy_document("acc-demo", &ph, &policy, "policy", "ip")
        .await
        .unwrap();
    assert!(matches!(
        s.document_pdf("acc-rep", &rep_ph, &id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.document_pdf("acc-rep", &ph, &id).await,
        Err(StoreError::NotFound)
    ));
});

both!(staff_produce_documents_for_a_request, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = own(s, "acc-demo").await;
    let policy = policy_with_events(s, &ph).await;
    let form = RequestForm {
        policy_id: policy.clone(),
        kind: RequestKind::Payout.code().into(),
        phone: "+7 912 345-67-89".into(),
        description: "Прошу оформить выплату: затопило квартиру".into(),
        files: vec![],
        idempotency_key: format!("{:0>20}", "d1"),
    }
    .validate()
    .unwrap();
    let mut rx = s.subscribe();
    let request = s
        .create_request("acc-demo", &ph, &form, "ip")
        .await
        .unwrap();

    // An act needs what the inspection found.
    assert!(matches!(
        s.staff_produce_document("acc-staff", &request, "inspection_act", "  ", "ip").await,
        Err(StoreError::Invalid(e)) if e.get("text") == Some("Опишите, что выявил осмотр")
    ));
    assert!(matches!(
        s.staff_produce_document("acc-staff", &request, "receipt", "", "ip").await,
        Err(StoreError::Invalid(e)) if e.get("kind").is_some()
    ));
    let findings = "Следы протечки на потолке кухни, 2 м², вздулся ламинат";
    let act = s
        .staff_produce_document("acc-staff", &request, "inspection_act", findings, "ip")
        .await
        .unwrap();
    // The same text again (a double click): the same act; another text: a second act.
    assert_eq!(
        s.staff_produce_document("acc-staff", &request, "inspection_act", findings, "ip")
            .await
            .unwrap(),
        act
    );
    let second = s
        .staff_produce_document(
            "acc-staff",
            &request,
            "inspection_act",
            "Повторный осмотр: плесень в углу",
            "ip",
        )
        .await
        .unwrap();
    assert_ne!(second, act);
    let cert = s
        .staff_produce_document("acc-staff", &request, "certificate", "", "ip")
        .await
        .unwrap();
    let history = s
        .staff_produce_document("acc-staff", &request, "events_history", "", "ip")
        .await
        .unwrap();

    let v = s.request_view("acc-demo", &request).await.unwrap();
    let tail = v.number.split_once('-').unwrap().1.to_string();
    let numbers: Vec<&str> = v.documents.iter().map(|d| d.number.as_str()).collect();
    assert!(
        numbers.contains(&format!("АКТ-{tail}").as_str()),
        "{numbers:?}"
    );
    assert!(
        numbers.contains(&format!("АКТ-{tail}-2").as_str()),
        "{numbers:?}"
    );
    assert!(
        numbers.contains(&format!("СПР-{tail}").as_str()),
        "{numbers:?}"
    );
    assert!(
        numbers.contains(&format!("ИСС-{tail}").as_str()),
        "{numbers:?}"
    );
    assert_eq!(
        v.documents.len(),
        5,
        "receipt, two acts, certificate, history"
    );
    let act_text = body(s, &act).await;
    assert!(act_text.contains(findings), "{act_text}");
    assert!(act_text.contains(&v.number));
    assert!(act_text.contains(&s.account("acc-staff").await.unwrap().full_name));
    // In the citizen's «Документы» with their kinds, and as PDFs for both sides.
    assert_eq!(count_kind(s, &ph, "inspection_act").await, 2);
    assert_eq!(count_kind(s, &ph, "certificate").await, 1);
    assert_eq!(count_kind(s, &ph, "events_history").await, 1);
    for id in [&act, &cert, &history] {
        assert!(
            s.document_pdf("acc-demo", &ph, id)
                .await
                .unwrap()
                .1
                .starts_with(b"%PDF")
        );
        assert!(
            s.staff_document_pdf("acc-staff", id)
                .await
                .unwrap()
                .1
                .starts_with(b"%PDF")
        );
    }
    // Citizens cannot.
    assert!(matches!(
        s.staff_produce_document("acc-demo", &request, "inspection_act", findings, "ip")
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.staff_produce_document("acc-staff", "no-such-request", "certificate", "", "ip")
            .await,
        Err(StoreError::NotFound)
    ));

    // Every change went to the policyholder's topic and to the staff consoles' topic.
    let mut staff_events = 0;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while staff_events < 5 {
        let ev = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("events arrive")
            .unwrap();
        if ev.topic == staff_topic() {
            assert_eq!(ev.kind, "request");
            assert_eq!(ev.data, request);
            staff_events += 1;
        }
    }
    let caught = s.events_after(0, &[staff_topic()]).await.unwrap();
    assert!(caught.len() >= 5, "{caught:?}");
});

both!(the_public_check_is_rate_limited_per_address, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = own(s, "acc-demo").await;
    let policy = policy_with_events(s, &ph).await;
    let id = s
        .issue_policy_document("acc-demo", &ph, &policy, "policy", "ip")
        .await
        .unwrap();
    s.document_pdf("acc-demo", &ph, &id).await.unwrap();
    let code = text(s, "SELECT check_code FROM documents WHERE id = $1", &id).await;
    for i in 0..CHECKS_PER_IP {
        // Found or not, every check counts.
        let c = if i % 2 == 0 {
            code.as_str()
        } else {
            "ZZZZZZZZZZ"
        };
        let r = s.check_document_from(c, "198.51.100.7").await;
        assert!(
            r.is_ok() || matches!(r, Err(StoreError::NotFound)),
            "{i}: {r:?}"
        );
    }
    match s.check_document_from(&code, "198.51.100.7").await {
        Err(StoreError::TooMany(m)) => assert!(m.contains("Слишком много проверок"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Another address is not held up.
    assert!(s.check_document_from(&code, "198.51.100.8").await.is_ok());
    // After the window the address may check again.
    db.clock
        .advance(chrono::Duration::minutes(CHECK_WINDOW_MINUTES + 1));
    assert!(s.check_document_from(&code, "198.51.100.7").await.is_ok());
});

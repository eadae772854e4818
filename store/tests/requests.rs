//! Requests, their documents and the live fan-out, on both databases: create (idempotent, with
//! its receipt), history with filters, the thread both ways, staff status changes and the
//! certificate, authority (other people's ids are "not found"), the public document check, and
//! events reaching a second process's subscription.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use common::own;

use domain::requests::{RequestFilter, RequestForm, RequestKind, RequestStatus};
use store::events::{policyholder_topic, staff_topic};
use store::requests::StaffQueue;
use store::{Store, StoreError};

async fn first_policy(s: &Store, account: &str, ph: &str) -> String {
    s.list_policies(account, ph).await.unwrap()[0].id.clone()
}

fn form(policy: &str, kind: RequestKind, key: &str) -> domain::requests::ValidRequest {
    RequestForm {
        policy_id: policy.into(),
        kind: kind.code().into(),
        phone: "+7 912 345-67-89".into(),
        description: "Прошу выдать справку о действии полиса".into(),
        files: vec![],
        idempotency_key: format!("{key:0>20}"),
    }
    .validate()
    .unwrap()
}

async fn submit(s: &Store, kind: RequestKind, key: &str) -> (String, String) {
    let ph = own(s, "acc-demo").await;
    let policy = first_policy(s, "acc-demo", &ph).await;
    let id = s
        .create_request("acc-demo", &ph, &form(&policy, kind, key), "127.0.0.1")
        .await
        .unwrap();
    (ph, id)
}

both!(a_request_is_made_once_with_its_receipt, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = own(s, "acc-demo").await;
    let policy = first_policy(s, "acc-demo", &ph).await;
    let f = form(&policy, RequestKind::Certificate, "k1");
    // A doubled «Отправить»: one request.
    let (a, b) = tokio::join!(
        s.create_request("acc-demo", &ph, &f, "ip"),
        s.create_request("acc-demo", &ph, &f, "ip")
    );
    assert_eq!(a.as_ref().unwrap(), b.as_ref().unwrap());
    let id = a.unwrap();
    let again = s.create_request("acc-demo", &ph, &f, "ip").await.unwrap();
    assert_eq!(again, id);
    // The same key with another body is refused.
    let mut other = f.clone();
    other.description = "Совсем другой текст запроса".into();
    assert!(matches!(
        s.create_request("acc-demo", &ph, &other, "ip").await,
        Err(StoreError::Refused(_))
    ));

    let v = s.request_view("acc-demo", &id).await.unwrap();
    assert!(v.number.starts_with("ЗАП-"), "{}", v.number);
    assert_eq!(v.status, RequestStatus::Processing);
    assert_eq!(v.phone, "+79123456789");
    assert_eq!(v.full_name, s.account("acc-demo").await.unwrap().full_name);
    assert_eq!(v.documents.len(), 1, "the submission receipt");
    assert_eq!(v.documents[0].number, format!("КВ-{}", v.number));

    let (docs, total) = s
        .documents_filtered(
            "acc-demo",
            &ph,
            &store::documents::DocumentFilter {
                kind: Some("submission_receipt".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(total, 1);
    // By policy and by date: the receipt is filed under its policy and today.
    let policies = s.list_policies("acc-demo", &ph).await.unwrap();
    let holder = ph.as_str();
    let count = |f: store::documents::DocumentFilter| async move {
        s.documents_filtered("acc-demo", holder, &f)
            .await
            .unwrap()
            .1
    };
    let by = |policy: &str, from: Option<chrono::NaiveDate>| store::documents::DocumentFilter {
        kind: Some("submission_receipt".into()),
        policy_id: Some(policy.to_string()),
        from,
        ..Default::default()
    };
    assert_eq!(count(by(&policy, Some(s.today()))).await, 1);
    assert_eq!(count(by(&policies[1].id, None)).await, 0);
    assert_eq!(
        count(by(&policy, Some(s.today() + chrono::Duration::days(1)))).await,
        0
    );
    let (name, pdf) = s.document_pdf("acc-demo", &ph, &docs[0].id).await.unwrap();
    assert!(name.ends_with(".pdf"));
    assert!(pdf.starts_with(b"%PDF"));

    let journal = s.journal_for_account("acc-demo", 20, 0).await.unwrap();
    assert_eq!(
        journal
            .iter()
            .filter(|j| j.action == "request.created")
            .count(),
        1
    );

    // A policy of somebody else is refused by field.
    let rep_ph = own(s, "acc-rep").await;
    let rep_policy = first_policy(s, "acc-rep", &rep_ph).await;
    match s
        .create_request(
            "acc-demo",
            &ph,
            &form(&rep_policy, RequestKind::Payout, "k2"),
            "ip",
        )
        .await
    {
        Err(StoreError::Invalid(e)) => assert!(e.get("policy_id").is_some()),
        other => panic!("{other:?}"),
    }
});

both!(history_filters_and_pages_on_the_server, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    for i in 0..23 {
        let kind = if i % 2 == 0 {
            RequestKind::Certificate
        } else {
            RequestKind::DataChange
        };
        submit(s, kind, &format!("h{i}")).await;
    }
    let ph = own(s, "acc-demo").await;
    let all = s
        .requests("acc-demo", &ph, &RequestFilter::default())
        .await
        .unwrap();
    assert_eq!(all.total, 23);
    assert_eq!(all.rows.len(), 20);
    let second = s
        .requests(
            "acc-demo",
            &ph,
            &RequestFilter {
                page: 2,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(second.rows.len(), 3);
    let certs = s
        .requests(
            "acc-demo",
            &ph,
            &RequestFilter {
                kind: Some("certificate".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(certs.total, 12);
    assert!(
        certs
            .rows
            .iter()
            .all(|r| r.kind == RequestKind::Certificate)
    );
    let done = s
        .requests(
            "acc-demo",
            &ph,
            &RequestFilter {
                status: Some("completed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(done.total, 0);
    let today = s.today();
    let in_period = s
        .requests(
            "acc-demo",
            &ph,
            &RequestFilter {
                from: Some(today),
                to: Some(today),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(in_period.total, 23);
    let before = s
        .requests(
            "acc-demo",
            &ph,
            &RequestFilter {
                to: Some(today - chrono::Duration::days(1)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(before.total, 0);
});

both!(staff_move_a_request_and_the_thread_goes_both_ways, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let (ph, id) = submit(s, RequestKind::Certificate, "t1").await;

    // The queue: unassigned, then mine.
    let q = s
        .staff_requests(
            "acc-staff",
            &StaffQueue {
                unassigned: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(q.rows.iter().any(|r| r.id == id));
    s.staff_assign_request("acc-staff", &id, "ip")
        .await
        .unwrap();
    let mine = s
        .staff_requests(
            "acc-staff",
            &StaffQueue {
                mine: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(mine.rows.len(), 1);
    assert!(mine.rows[0].assignee.is_some());

    s.staff_reply_request(
        "acc-staff",
        &id,
        "Уточните, для какой организации справка",
        Some(RequestStatus::Clarification),
        &[],
        "ip",
    )
    .await
    .unwrap();
    let v = s.request_view("acc-demo", &id).await.unwrap();
    assert_eq!(v.status, RequestStatus::Clarification);
    assert_eq!(v.messages.len(), 1);
    assert!(v.messages[0].from_staff);
    assert_eq!(v.messages[0].status, Some(RequestStatus::Clarification));

    // The answer returns it to «В обработке».
    s.comment_request("acc-demo", &id, "Для ООО «Работа»", &[], "ip")
        .await
        .unwrap();
    let v = s.request_view("acc-demo", &id).await.unwrap();
    assert_eq!(v.status, RequestStatus::Processing);
    assert_eq!(v.messages.len(), 2);
    assert!(!v.messages[1].from_staff);
    assert!(matches!(
        s.comment_request("acc-demo", &id, "   ", &[], "ip").await,
        Err(StoreError::Invalid(e)) if e.get("comment").is_some()
    ));

    // «Завершено» of a «Справка» request makes the certificate.
    s.staff_reply_request(
        "acc-staff",
        &id,
        "Справка готова",
        Some(RequestStatus::Completed),
        &[],
        "ip",
    )
    .await
    .unwrap();
    let v = s.request_view("acc-demo", &id).await.unwrap();
    assert_eq!(v.status, RequestStatus::Completed);
    let cert = v
        .documents
        .iter()
        .find(|d| d.number.starts_with("СПР-"))
        .expect("certificate");
    let (_, pdf) = s.document_pdf("acc-demo", &ph, &cert.id).await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    // Closed: no more comments or changes.
    assert!(matches!(
        s.comment_request("acc-demo", &id, "ещё", &[], "ip").await,
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        s.staff_reply_request(
            "acc-staff",
            &id,
            "x",
            Some(RequestStatus::Processing),
            &[],
            "ip"
        )
        .await,
        Err(StoreError::Refused(_))
    ));

    // «Отклонено» carries its reason.
    let (_, id2) = submit(s, RequestKind::Payout, "t2").await;
    assert!(matches!(
        s.staff_reply_request("acc-staff", &id2, " ", Some(RequestStatus::Rejected), &[], "ip")
            .await,
        Err(StoreError::Invalid(e)) if e.get("comment") == Some("Укажите причину отказа в комментарии")
    ));
    s.staff_reply_request(
        "acc-staff",
        &id2,
        "Нет оснований для выплаты",
        Some(RequestStatus::Rejected),
        &[],
        "ip",
    )
    .await
    .unwrap();
    let v2 = s.request_view("acc-demo", &id2).await.unwrap();
    assert_eq!(v2.status, RequestStatus::Rejected);
    assert_eq!(v2.reason.as_deref(), Some("Нет оснований для выплаты"));
    assert!(
        v2.documents.iter().all(|d| !d.number.starts_with("СПР-")),
        "no certificate for a payout request"
    );
});

both!(other_peoples_requests_and_documents_are_not_found, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let (ph, id) = submit(s, RequestKind::Certificate, "a1").await;
    let doc = s.request_view("acc-demo", &id).await.unwrap().documents[0]
        .id
        .clone();
    let nf = |r: Result<(), StoreError>| assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    nf(s.request_view("acc-rep", &id).await.map(drop));
    nf(s.comment_request("acc-rep", &id, "чужой", &[], "ip").await);
    nf(s.request_view("acc-demo", "no-such-id").await.map(drop));
    let rep_ph = own(s, "acc-rep").await;
    nf(s.document_pdf("acc-rep", &rep_ph, &doc).await.map(drop));
    nf(s.document_pdf("acc-rep", &ph, &doc).await.map(drop));
    nf(s.mail_document("acc-rep", &ph, &doc, "ip").await.map(drop));
    nf(s.requests("acc-rep", &ph, &RequestFilter::default())
        .await
        .map(drop));
    // Citizens are not staff.
    nf(s.staff_requests("acc-demo", &StaffQueue::default())
        .await
        .map(drop));
    nf(s.staff_request("acc-demo", &id).await.map(drop));
    nf(s.staff_assign_request("acc-demo", &id, "ip").await);
    nf(s.staff_reply_request(
        "acc-demo",
        &id,
        "x",
        Some(RequestStatus::Completed),
        &[],
        "ip",
    )
    .await);
    nf(s.staff_issue_certificate("acc-demo", &id, "ip")
        .await
        .map(drop));
    nf(s.staff_document_pdf("acc-demo", &doc).await.map(drop));
    // Nothing changed.
    let v = s.request_view("acc-demo", &id).await.unwrap();
    assert_eq!(v.status, RequestStatus::Processing);
    assert!(v.messages.is_empty());
});

both!(documents_check_by_code_and_go_by_mail, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let (ph, id) = submit(s, RequestKind::Certificate, "c1").await;
    let v = s.request_view("acc-demo", &id).await.unwrap();
    let doc = &v.documents[0];
    // Drawing the PDF gives it a code; the QR and the text carry it.
    let (_, pdf) = s.document_pdf("acc-demo", &ph, &doc.id).await.unwrap();
    let code: String = match s.pool() {
        store::Pool::Sqlite(p) => {
            sqlx::query_scalar("SELECT check_code FROM documents WHERE id = $1")
                .bind(&doc.id)
                .fetch_one(p)
                .await
                .unwrap()
        }
        store::Pool::Postgres(p) => {
            sqlx::query_scalar("SELECT check_code FROM documents WHERE id = $1")
                .bind(&doc.id)
                .fetch_one(p)
                .await
                .unwrap()
        }
    };
    assert_eq!(code.len(), 10);
    assert!(pdf.len() > 1000);
    let c = s.check_document(&code).await.unwrap();
    assert_eq!(c.kind_label, "Квитанция о подаче");
    assert_eq!(c.number, doc.number);
    // Typed with a dash and in lower case, as from paper.
    let typed = format!("{}-{}", &code[..5], &code[5..]).to_lowercase();
    assert_eq!(s.check_document(&typed).await.unwrap().number, doc.number);
    assert!(matches!(
        s.check_document("ZZZZZZZZZZ").await,
        Err(StoreError::NotFound)
    ));

    let to = s
        .mail_document("acc-demo", &ph, &doc.id, "ip")
        .await
        .unwrap();
    let mail = s
        .outbox(5)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.subject.contains(&doc.number))
        .expect("the e-mail");
    assert_eq!(mail.recipient, to);
    assert!(mail.body.contains("Вложение: kvitanciya-"), "{}", mail.body);

    // The same submission receipt is made once (a report helper calls this too).
    let again = s
        .issue_submission_receipt(&ph, "Запрос", &v.number, None, Some(&id), vec![])
        .await
        .unwrap();
    assert_eq!(again, doc.id);
});

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

both!(files_go_with_the_request_and_the_thread, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = own(s, "acc-demo").await;
    let policy = first_policy(s, "acc-demo", &ph).await;
    let scan = s
        .upload_attachment("acc-demo", "files", "скан.pdf", PDF)
        .await
        .unwrap();
    // Somebody else's upload is refused by field, and nothing is made.
    let theirs = s
        .upload_attachment("acc-rep", "files", "чужой.pdf", PDF)
        .await
        .unwrap();
    let mut f = form(&policy, RequestKind::Payout, "f1");
    f.files = vec![theirs.id.clone()];
    assert!(matches!(
        s.create_request("acc-demo", &ph, &f, "ip").await,
        Err(StoreError::Invalid(e)) if e.get("files").is_some()
    ));
    let none = s
        .requests("acc-demo", &ph, &RequestFilter::default())
        .await
        .unwrap();
    assert_eq!(none.total, 0);
    f.files = vec![scan.id.clone()];
    let id = s.create_request("acc-demo", &ph, &f, "ip").await.unwrap();
    // A retry links again without harm.
    assert_eq!(
        s.create_request("acc-demo", &ph, &f, "ip").await.unwrap(),
        id
    );
    let v = s.request_view("acc-demo", &id).await.unwrap();
    assert_eq!(v.files.len(), 1);
    assert_eq!(v.files[0].name, "скан.pdf");

    // Files alone are a comment too; staff reply with a file of their own.
    let more = s
        .upload_attachment("acc-demo", "files", "ещё.pdf", PDF)
        .await
        .unwrap();
    s.comment_request("acc-demo", &id, "", std::slice::from_ref(&more.id), "ip")
        .await
        .unwrap();
    let answer = s
        .upload_attachment("acc-staff", "files", "ответ.pdf", PDF)
        .await
        .unwrap();
    s.staff_reply_request(
        "acc-staff",
        &id,
        "Смотрите вложение",
        None,
        std::slice::from_ref(&answer.id),
        "ip",
    )
    .await
    .unwrap();
    let v = s.request_view("acc-demo", &id).await.unwrap();
    assert_eq!(v.messages.len(), 2);
    assert_eq!(v.messages[0].files[0].name, "ещё.pdf");
    assert!(v.messages[1].from_staff);
    assert_eq!(v.messages[1].files[0].name, "ответ.pdf");
    // The citizen downloads the staff's file; another citizen gets "not found".
    let (_, bytes) = s.attachment_content("acc-demo", &answer.id).await.unwrap();
    assert_eq!(bytes, PDF);
    assert!(matches!(
        s.attachment_content("acc-rep", &answer.id).await,
        Err(StoreError::NotFound)
    ));
    // A file already attached cannot go to another request, and nothing is written.
    let (_, other) = submit(s, RequestKind::Certificate, "f2").await;
    let moved = s
        .comment_request(
            "acc-demo",
            &other,
            "тот же файл",
            std::slice::from_ref(&more.id),
            "ip",
        )
        .await;
    assert!(matches!(moved, Err(StoreError::Invalid(e)) if e.get("files").is_some()));
    let untouched = s.request_view("acc-demo", &other).await.unwrap();
    assert!(untouched.messages.is_empty());
});

both!(
    every_change_reaches_the_policyholders_topic_in_every_process,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let ph = own(s, "acc-demo").await;
        // A second server process on the same database subscribes; the first one makes the changes.
        let other = db.second_process().await;
        let mut rx = other.subscribe();
        let mut own_rx = s.subscribe();
        let started = std::time::Instant::now();
        let (_, id) = submit(s, RequestKind::Certificate, "e1").await;
        s.staff_reply_request(
            "acc-staff",
            &id,
            "Принято",
            Some(RequestStatus::Clarification),
            &[],
            "ip",
        )
        .await
        .unwrap();
        let topic = policyholder_topic(&ph);
        for (name, rx) in [("other process", &mut rx), ("same process", &mut own_rx)] {
            let mut kinds = Vec::new();
            let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
            while kinds.iter().filter(|k| *k == "request").count() < 2 {
                let ev = tokio::time::timeout_at(deadline, rx.recv())
                    .await
                    .unwrap_or_else(|_| panic!("{name}: events did not arrive: {kinds:?}"))
                    .unwrap();
                if ev.topic == staff_topic() {
                    // The staff consoles follow every request.
                    assert_eq!(
                        (ev.kind.as_str(), ev.data.as_str()),
                        ("request", id.as_str())
                    );
                    continue;
                }
                assert_eq!(ev.topic, topic, "only the policyholder's topic");
                if ev.kind == "request" {
                    assert_eq!(ev.data, id);
                }
                kinds.push(ev.kind);
            }
            assert!(kinds.contains(&"document".to_string()), "{kinds:?}");
            if s.backend() == "postgres" {
                // By NOTIFY, not by the pump's slow timer (3 s).
                assert!(
                    started.elapsed() < std::time::Duration::from_millis(2500),
                    "{name}: {:?}",
                    started.elapsed()
                );
            }
        }
        // A reconnecting browser catches up from the table, and only on its topics.
        let caught = s
            .events_after(0, std::slice::from_ref(&topic))
            .await
            .unwrap();
        assert!(caught.iter().filter(|e| e.kind == "request").count() >= 2);
        let rep_topic = policyholder_topic(&own(s, "acc-rep").await);
        assert!(s.events_after(0, &[rep_topic]).await.unwrap().is_empty());
        other.close().await;
    }
);

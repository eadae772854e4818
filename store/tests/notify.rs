//! The notifier's transports against servers the tests run themselves on 127.0.0.1: SMTP, and the
//! HTTP SMS gateway (success, an error status, an unreachable gateway); and what a user gets when
//! a message cannot be sent (an error they can read, no «код отправлен»), on both databases.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use domain::status::Channel;
use std::sync::Arc;
use std::time::Duration;
use store::codes::Purpose;
use store::notify::{HttpSmsGateway, SmsGateway};
use store::{CODE_NOT_SENT, Message, Secret, Store, StoreError, StoreOptions};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

/// Accepts one SMTP session and keeps what it was sent.
async fn fake_smtp() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 test ESMTP\r\n").await.unwrap();
        let mut in_data = false;
        while let Ok(Some(line)) = lines.next_line().await {
            keep.lock().await.push(line.clone());
            let reply: &[u8] = if in_data {
                if line == "." {
                    in_data = false;
                    b"250 queued\r\n"
                } else {
                    continue;
                }
            } else if line.starts_with("EHLO") || line.starts_with("HELO") {
                b"250 test\r\n"
            } else if line.starts_with("DATA") {
                in_data = true;
                b"354 go on\r\n"
            } else if line.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await.unwrap();
                break;
            } else {
                b"250 ok\r\n"
            };
            write.write_all(reply).await.unwrap();
        }
    });
    (port, seen)
}

#[tokio::test]
async fn email_goes_out_over_smtp() {
    let (port, seen) = fake_smtp().await;
    let dir = std::env::temp_dir().join("kabinet-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let mut o = StoreOptions::new(format!(
        "sqlite://{}/smtp-{}.db",
        dir.display(),
        uuid::Uuid::new_v4().simple()
    ));
    o.notifier.smtp_url = Some(Secret::new(format!("smtp://127.0.0.1:{port}")));
    o.notifier.mail_from = "Кабинет страхователя <noreply@example.ru>".into();
    let store = Store::open(o).await.unwrap();
    store
        .notify(&Message {
            channel: Channel::Email,
            to: "petrov@example.ru".into(),
            subject: "Код подтверждения".into(),
            body: "Код: 123456".into(),
        })
        .await
        .unwrap();
    let lines = seen.lock().await.clone();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("MAIL FROM:<noreply@example.ru>")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("RCPT TO:<petrov@example.ru>")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("Subject: ")),
        "{lines:?}"
    );
    // Without the outbox (production), nothing is kept in the database.
    assert!(store.outbox(10).await.unwrap().is_empty());
}

/// An SMS.ru-like gateway on 127.0.0.1: answers every request with `status` and `answer`, and
/// keeps each request (head and body) it was sent. Returns its URL.
async fn fake_gateway(status: u16, answer: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let (head_end, length) = loop {
                let n = socket.read(&mut chunk).await.unwrap();
                assert!(n > 0, "request cut short");
                buf.extend_from_slice(&chunk[..n]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map(|v| v.trim().parse::<usize>().unwrap())
                        .unwrap_or(0);
                    break (i + 4, length);
                }
            };
            while buf.len() < head_end + length {
                let n = socket.read(&mut chunk).await.unwrap();
                assert!(n > 0, "body cut short");
                buf.extend_from_slice(&chunk[..n]);
            }
            keep.lock()
                .await
                .push(String::from_utf8_lossy(&buf).to_string());
            let response = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
            socket.write_all(response.as_bytes()).await.unwrap();
            let _ = socket.shutdown().await;
        }
    });
    (format!("http://127.0.0.1:{port}/sms/send"), seen)
}

const SMS_OK: &str = r#"{"status":"OK","status_code":100,"sms":{"79160000101":{"status":"OK","status_code":100,"sms_id":"000000-10000000"}},"balance":4122.56}"#;
const SMS_BAD_KEY: &str =
    r#"{"status":"ERROR","status_code":200,"status_text":"Неправильный api_id"}"#;

fn gateway(url: &str) -> HttpSmsGateway {
    HttpSmsGateway::new(url, Secret::new("test-api-key".into()))
        .unwrap()
        .with_timeout(Duration::from_secs(2))
}

#[tokio::test]
async fn http_gateway_posts_key_number_and_text() {
    let (url, seen) = fake_gateway(200, SMS_OK).await;
    gateway(&url)
        .send("+79160000101", "Код 123456")
        .await
        .unwrap();
    let requests = seen.lock().await.clone();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let r = &requests[0];
    assert!(r.starts_with("POST /sms/send HTTP/1.1"), "{r}");
    let body = r.split("\r\n\r\n").nth(1).unwrap();
    let fields: Vec<&str> = body.split('&').collect();
    assert!(fields.contains(&"api_id=test-api-key"), "{body}");
    assert!(fields.contains(&"to=79160000101"), "{body}");
    assert!(fields.contains(&"msg=%D0%9A%D0%BE%D0%B4+123456"), "{body}");
    assert!(fields.contains(&"json=1"), "{body}");
    // The key travels in the body only, never in the address.
    assert!(!r.lines().next().unwrap().contains("test-api-key"), "{r}");
}

#[tokio::test]
async fn http_gateway_error_status_is_a_failure() {
    let (url, _) = fake_gateway(200, SMS_BAD_KEY).await;
    let e = gateway(&url)
        .send("+79160000101", "Код 123456")
        .await
        .unwrap_err();
    assert!(
        e.contains("200") && e.contains("Неправильный api_id"),
        "{e}"
    );

    // One number refused inside an answer that is otherwise OK.
    let (url, _) = fake_gateway(
        200,
        r#"{"status":"OK","sms":{"79160000101":{"status":"ERROR","status_code":207,"status_text":"На этот номер нельзя отправлять сообщения"}}}"#,
    )
    .await;
    let e = gateway(&url).send("+79160000101", "x").await.unwrap_err();
    assert!(e.contains("207"), "{e}");

    // A non-2xx answer fails even with an OK body.
    let (url, _) = fake_gateway(503, SMS_OK).await;
    let e = gateway(&url).send("+79160000101", "x").await.unwrap_err();
    assert!(e.contains("503"), "{e}");
}

#[tokio::test]
async fn http_gateway_unreachable_or_silent_is_a_failure() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let e = gateway(&format!("http://127.0.0.1:{port}/sms/send"))
        .send("+79160000101", "x")
        .await
        .unwrap_err();
    assert!(e.contains("unreachable"), "{e}");

    // Takes the connection and never answers: the timeout ends the wait.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let (socket, _) = silent.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(socket);
    });
    let started = std::time::Instant::now();
    let e = HttpSmsGateway::new(
        &format!("http://127.0.0.1:{port}/sms/send"),
        Secret::new("k".into()),
    )
    .unwrap()
    .with_timeout(Duration::from_millis(300))
    .send("+79160000101", "x")
    .await
    .unwrap_err();
    assert!(e.contains("no answer"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
    held.abort();
}

fn petrov() -> domain::forms::Registration {
    domain::forms::Registration {
        full_name: "Петров Пётр Петрович".into(),
        email: "petrov@example.ru".into(),
        phone: "+7 916 000-01-01".into(),
        id_number: "112-233-445 95".into(),
        password: "Pr0stoy-Parol".into(),
        password2: "Pr0stoy-Parol".into(),
        channel: "email".into(),
    }
}

/// A production-like process on the test's database: no outbox, SMS through `url`, no SMTP.
async fn production(db: &common::TestDb, url: &str) -> Store {
    let gw: Arc<dyn SmsGateway> = Arc::new(gateway(url));
    db.process_with(|o| {
        o.notifier.outbox = false;
        o.notifier.sms = Some(gw);
    })
    .await
}

fn told_code_not_sent(e: StoreError) {
    match e {
        StoreError::Undelivered { message, detail } => {
            assert_eq!(message, CODE_NOT_SENT);
            assert!(!message.contains(&detail));
        }
        other => panic!("expected «{CODE_NOT_SENT}», got {other:?}"),
    }
}

both!(
    a_failing_gateway_tells_the_user_and_leaves_no_sent_code,
    |db| {
        let account = db.store.register(&petrov(), "127.0.0.1").await.unwrap();
        let (url, seen) = fake_gateway(200, SMS_BAD_KEY).await;
        let prod = production(db, &url).await;

        let e = prod
            .send_code(&account.id, Purpose::Confirm, Channel::Sms)
            .await
            .unwrap_err();
        told_code_not_sent(e);
        assert_eq!(seen.lock().await.len(), 1, "the gateway was asked");
        // No «код отправлен на …», no cool-down before the next try.
        assert_eq!(
            prod.sent_code(&account.id, Purpose::Confirm).await.unwrap(),
            None
        );
        // E-mail has no transport in this process and no outbox: not sent either.
        let e = prod
            .send_code(&account.id, Purpose::Confirm, Channel::Email)
            .await
            .unwrap_err();
        told_code_not_sent(e);
        assert_eq!(
            prod.sent_code(&account.id, Purpose::Confirm).await.unwrap(),
            None
        );
        // A code for a payment (or anything else) told the same way; the notifier itself says
        // «сообщение» for messages that are not codes.
        let e = prod
            .notify(&Message {
                channel: Channel::Email,
                to: "petrov@example.ru".into(),
                subject: "Заявка".into(),
                body: "Текст".into(),
            })
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Undelivered { message, .. } if message == store::MESSAGE_NOT_SENT)
        );
        prod.close().await;

        // The same flow through a gateway that takes the message: sent, and the page may say so.
        let (url, seen) = fake_gateway(200, SMS_OK).await;
        let prod = production(db, &url).await;
        let sent = prod
            .send_code(&account.id, Purpose::Confirm, Channel::Sms)
            .await
            .unwrap();
        assert_eq!(sent.destination, "+79160000101");
        assert_eq!(seen.lock().await.len(), 1);
        assert!(
            prod.sent_code(&account.id, Purpose::Confirm)
                .await
                .unwrap()
                .is_some()
        );
        prod.close().await;
    }
);

both!(a_failed_resend_keeps_the_code_already_sent, |db| {
    let account = db.store.register(&petrov(), "127.0.0.1").await.unwrap();
    // The first code goes out (to the outbox of this demo-like process).
    db.store
        .send_code(&account.id, Purpose::Confirm, Channel::Email)
        .await
        .unwrap();
    let code = common::last_code(&db.store, "petrov@example.ru").await;
    db.clock.advance(chrono::Duration::seconds(61));
    // «Отправить код ещё раз» by SMS while the gateway is down.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let prod = production(db, &format!("http://127.0.0.1:{port}/sms/send")).await;
    let e = prod
        .send_code(&account.id, Purpose::Confirm, Channel::Sms)
        .await
        .unwrap_err();
    told_code_not_sent(e);
    // The page still shows where the first code went, and that code still works.
    let sent = prod
        .sent_code(&account.id, Purpose::Confirm)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sent.channel, Channel::Email);
    prod.verify_code(&account.id, Purpose::Confirm, &code)
        .await
        .unwrap();
    prod.close().await;
});

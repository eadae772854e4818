//! The notifier's SMTP transport, against a minimal SMTP server run by the test.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use domain::status::Channel;
use std::sync::Arc;
use store::{Message, Secret, Store, StoreOptions};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
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

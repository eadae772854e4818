//! Attached files: only real PDF/JPEG/PNG up to 5 MB get in; a file is the uploader's until it is
//! linked, then also of those with authority over its policyholder and of staff; anyone else gets
//! "not found"; unlinked uploads go after a day.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use store::StoreError;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn field_message(e: StoreError, field: &str) -> String {
    match e {
        StoreError::Invalid(f) => f.get(field).expect("the field is named").to_string(),
        other => panic!("expected a field error, got {other:?}"),
    }
}

both!(uploads_are_checked_by_content, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ok = s
        .upload_attachment("acc-demo", "files", "../акт осмотра.pdf", PDF)
        .await
        .unwrap();
    assert_eq!(ok.name, "акт осмотра.pdf");
    assert_eq!(ok.mime, "application/pdf");
    assert_eq!(ok.size, PDF.len() as i64);

    let exe = s
        .upload_attachment("acc-demo", "files", "счёт.pdf", b"MZ\x90\0\x03")
        .await
        .unwrap_err();
    assert!(field_message(exe, "files").contains("«счёт.pdf» не похож на PDF, JPEG или PNG"));
    let mut big = PDF.to_vec();
    big.resize(5 * 1024 * 1024 + 1, b' ');
    let big = s
        .upload_attachment("acc-demo", "files", "big.pdf", &big)
        .await
        .unwrap_err();
    assert!(field_message(big, "files").contains("больше 5 МБ"));
});

both!(files_are_seen_only_with_authority, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let demo_ph = s.accessible_policyholders("acc-demo").await.unwrap()[0]
        .id
        .clone();
    let file = s
        .upload_attachment("acc-demo", "files", "акт.pdf", PDF)
        .await
        .unwrap();

    // Before linking: the uploader only; staff see nothing yet.
    assert_eq!(
        s.attachment_content("acc-demo", &file.id).await.unwrap().1,
        PDF
    );
    for other in ["acc-rep", "acc-broker", "acc-staff"] {
        assert!(
            matches!(
                s.attachment_content(other, &file.id).await,
                Err(StoreError::NotFound)
            ),
            "{other}"
        );
    }
    // Someone else cannot link the citizen's upload to their own object.
    let rep_ph = s.accessible_policyholders("acc-rep").await.unwrap()[0]
        .id
        .clone();
    assert!(matches!(
        s.link_attachments(
            "acc-rep",
            std::slice::from_ref(&file.id),
            &rep_ph,
            "request:x"
        )
        .await,
        Err(StoreError::NotFound)
    ));

    let linked = s
        .link_attachments(
            "acc-demo",
            std::slice::from_ref(&file.id),
            &demo_ph,
            "report:1",
        )
        .await
        .unwrap();
    assert_eq!(linked, vec![file.clone()]);
    // Linking again to the same owner is harmless (a retried submission); elsewhere is refused.
    s.link_attachments(
        "acc-demo",
        std::slice::from_ref(&file.id),
        &demo_ph,
        "report:1",
    )
    .await
    .unwrap();
    assert!(matches!(
        s.link_attachments(
            "acc-demo",
            std::slice::from_ref(&file.id),
            &demo_ph,
            "report:2"
        )
        .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.attachments_of("report:1").await.unwrap(),
        vec![file.clone()]
    );

    assert!(
        s.attachment_content("acc-staff", &file.id).await.is_ok(),
        "staff see linked files"
    );
    assert!(matches!(
        s.attachment_content("acc-rep", &file.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.attachment_content("acc-demo", "no-such-id").await,
        Err(StoreError::NotFound)
    ));
});

both!(unlinked_uploads_go_after_a_day, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let demo_ph = s.accessible_policyholders("acc-demo").await.unwrap()[0]
        .id
        .clone();
    let kept = s
        .upload_attachment("acc-demo", "files", "a.pdf", PDF)
        .await
        .unwrap();
    let left = s
        .upload_attachment("acc-demo", "files", "b.pdf", PDF)
        .await
        .unwrap();
    s.link_attachments(
        "acc-demo",
        std::slice::from_ref(&kept.id),
        &demo_ph,
        "report:1",
    )
    .await
    .unwrap();
    assert_eq!(
        s.purge_unlinked_attachments().await.unwrap(),
        0,
        "a fresh upload stays"
    );
    db.clock.advance(chrono::Duration::hours(25));
    assert_eq!(s.purge_unlinked_attachments().await.unwrap(), 1);
    assert!(s.attachment_content("acc-demo", &kept.id).await.is_ok());
    assert!(matches!(
        s.attachment_content("acc-demo", &left.id).await,
        Err(StoreError::NotFound)
    ));
});

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

/// A valid PDF of exactly `size` bytes.
fn pdf_of(size: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.4\n".to_vec();
    v.resize(size - 6, b' ');
    v.extend_from_slice(b"%%EOF\n");
    v
}

const MB: usize = 1024 * 1024;

fn too_many(r: Result<domain::files::Attachment, StoreError>) -> String {
    match r {
        Err(StoreError::TooMany(m)) => m,
        other => panic!("expected a quota refusal, got {other:?}"),
    }
}

both!(unlinked_bytes_are_capped_per_account, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let full = pdf_of(5 * MB);
    let mut ids = Vec::new();
    for i in 0..5 {
        let f = s
            .upload_attachment("acc-demo", "files", &format!("{i}.pdf"), &full)
            .await
            .unwrap();
        ids.push(f.id);
    }
    // 25 MB are waiting to be attached: not one byte more.
    let m = too_many(
        s.upload_attachment("acc-demo", "files", "ещё.pdf", PDF)
            .await,
    );
    assert!(m.starts_with("Слишком много загруженных файлов"), "{m}");
    assert!(m.contains("больше 25 МБ") && m.contains("«ещё.pdf»"), "{m}");
    // Another account is unaffected.
    s.upload_attachment("acc-rep", "files", "акт.pdf", &full)
        .await
        .unwrap();
    // Files attached to a document no longer count.
    let ph = common::own(s, "acc-demo").await;
    s.link_attachments("acc-demo", &ids[..1], &ph, "report:1")
        .await
        .unwrap();
    s.upload_attachment("acc-demo", "files", "ещё.pdf", &full)
        .await
        .unwrap();
    too_many(
        s.upload_attachment("acc-demo", "files", "ещё.pdf", PDF)
            .await,
    );
});

both!(uploads_per_hour_are_capped_per_account, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    for i in 0..30 {
        s.upload_attachment("acc-demo", "files", &format!("{i}.pdf"), PDF)
            .await
            .unwrap();
    }
    let m = too_many(
        s.upload_attachment("acc-demo", "files", "31.pdf", PDF)
            .await,
    );
    assert_eq!(
        m,
        "Слишком много загруженных файлов: можно загрузить не больше 30 файлов за час. \
         Попробуйте через 60 мин"
    );
    s.upload_attachment("acc-rep", "files", "1.pdf", PDF)
        .await
        .unwrap();
    db.clock.advance(chrono::Duration::minutes(40));
    let m = too_many(
        s.upload_attachment("acc-demo", "files", "31.pdf", PDF)
            .await,
    );
    assert!(m.ends_with("через 20 мин"), "{m}");
    db.clock.advance(chrono::Duration::minutes(21));
    s.upload_attachment("acc-demo", "files", "31.pdf", PDF)
        .await
        .unwrap();
});

both!(parallel_uploads_cannot_pass_the_caps, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let two = pdf_of(2 * MB);
    let results = futures_util::future::join_all(
        (0..20).map(|_| s.upload_attachment("acc-demo", "files", "скан.pdf", &two)),
    )
    .await;
    let (ok, refused): (Vec<_>, Vec<_>) = results.into_iter().partition(|r| r.is_ok());
    // 12 × 2 MB fit under 25 MB; the 13th would not.
    assert_eq!(ok.len(), 12, "{refused:?}");
    for r in refused {
        assert!(too_many(r).contains("больше 25 МБ"));
    }
    let ids: Vec<String> = ok.into_iter().map(|r| r.unwrap().id).collect();
    let ph = common::own(s, "acc-demo").await;
    s.link_attachments("acc-demo", &ids, &ph, "report:1")
        .await
        .unwrap();

    // 12 uploads counted in this hour: 18 more of 20 parallel ones go in.
    let results = futures_util::future::join_all(
        (0..20).map(|_| s.upload_attachment("acc-demo", "files", "a.pdf", PDF)),
    )
    .await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 18);
    for r in results.into_iter().filter(|r| r.is_err()) {
        assert!(too_many(r).contains("не больше 30 файлов за час"));
    }
    // Another account is unaffected.
    s.upload_attachment("acc-rep", "files", "a.pdf", &two)
        .await
        .unwrap();
});

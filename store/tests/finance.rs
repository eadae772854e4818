//! «Взносы» and «Начисления» on both databases: filters, sort, paging edges, totals, authority.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use common::own;

use domain::query::{PER_PAGE, SortKey, TableQuery};
use domain::status::{ChargeKind, PaymentStatus};
use store::StoreError;

both!(totals_equal_the_rows_across_pages, |db| {
    let s = &db.store;
    s.load_demo(3).await.unwrap();
    let ph = own(s, "acc-demo").await;
    let all = s
        .contributions("acc-demo", &ph, &TableQuery::default())
        .await
        .unwrap();
    assert!(
        all.totals.count > i64::from(PER_PAGE),
        "enough rows for two pages: {}",
        all.totals.count
    );
    let mut rows = Vec::new();
    for page in 1..=all.pages() {
        let p = s
            .contributions("acc-demo", &ph, &TableQuery::default().with_page(page))
            .await
            .unwrap();
        assert_eq!(p.totals, all.totals, "totals do not depend on the page");
        rows.extend(p.rows);
    }
    assert_eq!(rows.len() as i64, all.totals.count);
    assert_eq!(
        rows.iter().map(|r| r.amount.0).sum::<i64>(),
        all.totals.accrued.0
    );
    assert_eq!(
        rows.iter().map(|r| r.paid.0).sum::<i64>(),
        all.totals.paid.0
    );
    let mut ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), rows.len(), "no row on two pages");
    // Past the last page: empty rows, same totals.
    let beyond = s
        .contributions(
            "acc-demo",
            &ph,
            &TableQuery::default().with_page(all.pages() + 1),
        )
        .await
        .unwrap();
    assert!(beyond.rows.is_empty());
    assert_eq!(beyond.totals, all.totals);
});

both!(filters_and_sorting, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = own(s, "acc-demo").await;
    let programmes = s.programmes_of("acc-demo", &ph).await.unwrap();
    assert_eq!(programmes.len(), 3);
    let code = programmes[0].code.clone();
    let name = programmes[0].name.clone();
    let q = TableQuery {
        programmes: vec![code],
        ..TableQuery::default()
    };
    let page = s.contributions("acc-demo", &ph, &q).await.unwrap();
    assert!(page.totals.count > 0);
    assert!(page.rows.iter().all(|r| r.programme == name));

    let today = s.today();
    let from = today.checked_sub_months(chrono::Months::new(6)).unwrap();
    let q = TableQuery {
        from: Some(from),
        to: Some(today),
        ..TableQuery::default()
    };
    let page = s.contributions("acc-demo", &ph, &q).await.unwrap();
    assert!(page.totals.count > 0);
    assert!(
        page.rows
            .iter()
            .all(|r| r.accrued_on >= from && r.accrued_on <= today)
    );

    let q = TableQuery {
        sort: SortKey::Amount,
        desc: false,
        ..TableQuery::default()
    };
    let page = s.contributions("acc-demo", &ph, &q).await.unwrap();
    assert!(
        page.rows.windows(2).all(|w| w[0].amount <= w[1].amount),
        "ascending by amount"
    );
    let q = TableQuery {
        sort: SortKey::Debt,
        desc: true,
        ..TableQuery::default()
    };
    let page = s.contributions("acc-demo", &ph, &q).await.unwrap();
    assert!(
        page.rows.windows(2).all(|w| w[0].debt() >= w[1].debt()),
        "descending by debt"
    );
    assert!(page.rows[0].debt().0 > 0);
    let q = TableQuery::default();
    let page = s.contributions("acc-demo", &ph, &q).await.unwrap();
    assert!(
        page.rows
            .windows(2)
            .all(|w| w[0].accrued_on >= w[1].accrued_on),
        "newest first by default"
    );
});

both!(charges_filter_by_kind_and_status, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = own(s, "acc-demo").await;
    let all = s
        .charges("acc-demo", &ph, &TableQuery::default())
        .await
        .unwrap();
    let q = TableQuery {
        kinds: vec![ChargeKind::Premium],
        statuses: vec![PaymentStatus::Unpaid],
        ..TableQuery::default()
    };
    let unpaid = s.charges("acc-demo", &ph, &q).await.unwrap();
    assert!(unpaid.totals.count > 0 && unpaid.totals.count < all.totals.count);
    assert!(
        unpaid
            .rows
            .iter()
            .all(|r| r.kind == "premium" && r.status == "unpaid")
    );
    assert_eq!(unpaid.totals.paid.0, 0);
    let balance = s.balance("acc-demo", &ph).await.unwrap();
    let overview = s.overview("acc-demo", &ph).await.unwrap();
    assert!(balance.to_pay.0 >= overview.totals.debt().0);
});

both!(other_policyholders_rows_are_not_found, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = own(s, "acc-demo").await;
    let page = s
        .contributions("acc-demo", &ph, &TableQuery::default())
        .await
        .unwrap();
    let id = page.rows[0].id.clone();
    let detail = s.contribution("acc-demo", &ph, &id).await.unwrap();
    assert_eq!(detail.row.id, id);
    assert!(detail.purpose.contains(&detail.policy_number));
    assert!(!detail.insurer.bik.is_empty());

    let rep = own(s, "acc-rep").await;
    assert!(matches!(
        s.contributions("acc-rep", &ph, &TableQuery::default())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.contribution("acc-rep", &ph, &id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.contribution("acc-rep", &rep, &id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.charges("acc-rep", &ph, &TableQuery::default()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.balance("acc-rep", &ph).await,
        Err(StoreError::NotFound)
    ));
});

/// The amount as the PDF shows it: grouped digits, no sign.
fn shown(kopecks: i64) -> String {
    store::export::pdf_amount(kopecks).replace('\u{a0}', " ")
}

fn unzip(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut file = archive.by_name(name).unwrap();
    let mut s = String::new();
    file.read_to_string(&mut s).unwrap();
    s
}

both!(xlsx_export_has_exactly_the_filtered_rows, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = own(s, "acc-demo").await;
    let code = s.programmes_of("acc-demo", &ph).await.unwrap()[0]
        .code
        .clone();
    let q = TableQuery {
        programmes: vec![code],
        ..TableQuery::default()
    };
    let page = s.contributions("acc-demo", &ph, &q).await.unwrap();
    let bytes = s.contributions_xlsx("acc-demo", &ph, &q).await.unwrap();
    assert_eq!(&bytes[..2], b"PK");
    // Constant-memory sheets keep their strings inline, in the sheet itself.
    let strings = unzip(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        strings.contains("Взносы: Иванов Иван Петрович"),
        "{strings}"
    );
    assert!(strings.contains(&format!("Итого ({} шт.)", page.totals.count)));
    assert!(strings.contains("Период: всё время; программы: "));
    let sheet = unzip(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("ySplit=\"5\""), "the header row is frozen");
    // One row per contribution plus title, filter, date, header and totals.
    assert_eq!(sheet.matches("<row ").count() as i64, page.totals.count + 5);
    // The totals row carries the store's totals, to the kopeck.
    let total = format!("<v>{}</v>", page.totals.accrued.0 as f64 / 100.0);
    assert!(sheet.contains(&total), "{total} in the sheet");
    // Dates are real date cells (numbers with a date format), not text.
    let styles = unzip(&bytes, "xl/styles.xml");
    assert!(styles.contains("dd.mm.yyyy"));

    assert!(matches!(
        s.contributions_xlsx("acc-rep", &ph, &q).await,
        Err(StoreError::NotFound)
    ));
});

both!(charges_xlsx_has_exactly_the_filtered_rows, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = own(s, "acc-demo").await;
    let q = TableQuery {
        statuses: vec![PaymentStatus::Unpaid],
        ..TableQuery::default()
    };
    let page = s.charges("acc-demo", &ph, &q).await.unwrap();
    let bytes = s.charges_xlsx("acc-demo", &ph, &q).await.unwrap();
    let strings = unzip(&bytes, "xl/worksheets/sheet1.xml");
    assert!(strings.contains("Начисления: Иванов Иван Петрович"));
    assert!(
        strings.contains("типы: все; статусы: Не оплачено"),
        "{strings}"
    );
    assert!(strings.contains(&format!("Итого ({} шт.)", page.totals.count)));
    assert!(
        !strings.contains(">Оплачено<"),
        "no paid rows in an unpaid-only statement"
    );
    let sheet = unzip(&bytes, "xl/worksheets/sheet1.xml");
    // Title, filter, date, header, the rows, the total and the paid line.
    assert_eq!(sheet.matches("<row ").count() as i64, page.totals.count + 6);
    assert!(sheet.contains(&format!("<v>{}</v>", page.totals.accrued.0 as f64 / 100.0)));
    assert!(matches!(
        s.charges_xlsx("acc-rep", &ph, &q).await,
        Err(StoreError::NotFound)
    ));
});

both!(pdf_statement_has_the_rows_cyrillic_pages_and_totals, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = own(s, "acc-demo").await;
    let q = TableQuery::default();
    let page = s.contributions("acc-demo", &ph, &q).await.unwrap();
    assert!(page.totals.count > 60, "enough rows to need several pages");
    let text = common::pdf_text(&s.contributions_pdf("acc-demo", &ph, &q).await.unwrap());
    assert!(text.contains("Взносы: Иванов Иван Петрович"), "{text}");
    assert!(text.contains("Период: всё время; программы: все"));
    assert!(text.contains(&format!("Итого ({} шт.)", page.totals.count)));
    let totals = text
        .lines()
        .find(|l| l.contains("Итого ("))
        .unwrap()
        .to_string();
    assert!(totals.contains(&shown(page.totals.accrued.0)), "{totals}");
    assert!(totals.contains(&shown(page.totals.paid.0)), "{totals}");
    // Pages: every one numbered «Страница k из N» and every one with the header row.
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(pages.len() > 1, "a long statement breaks across pages");
    for (i, p) in pages.iter().enumerate() {
        assert!(
            p.contains(&format!("Страница {} из {}", i + 1, pages.len())),
            "page {} is numbered",
            i + 1
        );
        assert!(p.contains("Наименование программы"), "the header repeats");
    }
    // Every row of the first page of the table is in the statement, in order.
    let first = &page.rows[0];
    // (A long programme name wraps inside its cell, so look for its first word.)
    let word = first.programme.split_whitespace().next().unwrap();
    assert!(text.contains(word), "{word}");
    assert!(text.contains(&shown(first.amount.0)));
    if std::env::var_os("KEEP_PDF").is_some() {
        std::fs::write(
            "/tmp/contributions.pdf",
            s.contributions_pdf("acc-demo", &ph, &q).await.unwrap(),
        )
        .unwrap();
    }
    assert!(text.contains(&domain::dates::format_date(first.accrued_on)));

    assert!(matches!(
        s.contributions_pdf("acc-rep", &ph, &q).await,
        Err(StoreError::NotFound)
    ));
});

both!(charges_pdf_follows_the_filter, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = own(s, "acc-demo").await;
    let q = TableQuery {
        statuses: vec![PaymentStatus::Unpaid],
        ..TableQuery::default()
    };
    let page = s.charges("acc-demo", &ph, &q).await.unwrap();
    let text = common::pdf_text(&s.charges_pdf("acc-demo", &ph, &q).await.unwrap());
    assert!(text.contains("Начисления: Иванов Иван Петрович"));
    assert!(text.contains("типы: все; статусы: Не оплачено"), "{text}");
    assert!(text.contains(&format!("Итого ({} шт.)", page.totals.count)));
    assert_eq!(
        text.matches("Не оплачено").count() as i64,
        page.totals.count + 1,
        "each row is unpaid (and the filter line says so)"
    );
    assert!(!text.contains(" Оплачено "));
    assert!(matches!(
        s.charges_pdf("acc-rep", &ph, &q).await,
        Err(StoreError::NotFound)
    ));
});

both!(a_contribution_notice_has_the_requisites_and_the_sum, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let ph = own(s, "acc-demo").await;
    let row = s
        .contributions("acc-demo", &ph, &TableQuery::default())
        .await
        .unwrap()
        .rows[0]
        .clone();
    let d = s.contribution("acc-demo", &ph, &row.id).await.unwrap();
    let text = common::pdf_text(
        &s.contribution_notice_pdf("acc-demo", &ph, &row.id)
            .await
            .unwrap(),
    );
    assert!(text.contains("Извещение на оплату взноса за"), "{text}");
    for needle in [&d.insurer.bik, &d.insurer.account, &d.kbk, &d.policy_number] {
        assert!(text.contains(needle.as_str()), "{needle} in the notice");
    }
    let due = text.lines().find(|l| l.contains("К оплате")).unwrap();
    assert!(
        due.contains(&row.debt().to_string().replace('\u{a0}', " ")),
        "{due}"
    );
    let rep_ph = own(s, "acc-rep").await;
    assert!(matches!(
        s.contribution_notice_pdf("acc-rep", &rep_ph, &row.id).await,
        Err(StoreError::NotFound)
    ));
});

/// The totals straight from the rows, for comparison with the store's monthly sums.
async fn exact(s: &store::Store, ph: &str, q: &TableQuery) -> (i64, i64, i64) {
    let mut all = TableQuery {
        page: 1,
        ..q.clone()
    };
    let (mut n, mut a, mut p) = (0, 0, 0);
    loop {
        let page = s.contributions("acc-demo", ph, &all).await.unwrap();
        for r in &page.rows {
            n += 1;
            a += r.amount.0;
            p += r.paid.0;
        }
        if page.rows.len() < PER_PAGE as usize {
            return (n, a, p);
        }
        all = all.with_page(all.page + 1);
    }
}

both!(
    monthly_sums_give_the_exact_totals_for_any_period_and_follow_every_write,
    |db| {
        use chrono::NaiveDate;
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let ph = own(s, "acc-demo").await;
        let code = s.programmes_of("acc-demo", &ph).await.unwrap()[0]
            .code
            .clone();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        let periods = [
            (None, None),
            (d(2024, 1, 1), d(2024, 12, 31)),
            (d(2024, 1, 15), d(2025, 3, 10)),
            (d(2025, 12, 20), d(2026, 1, 10)),
            (d(2025, 2, 1), d(2025, 2, 28)),
            (None, d(2025, 6, 15)),
            (d(2025, 6, 2), None),
        ];
        let check = |label: &'static str| {
            let (ph, code) = (ph.clone(), code.clone());
            async move {
                for (from, to) in periods {
                    for programmes in [vec![], vec![code.clone()]] {
                        let q = TableQuery {
                            from,
                            to,
                            programmes,
                            ..TableQuery::default()
                        };
                        let t = s.contributions("acc-demo", &ph, &q).await.unwrap().totals;
                        assert_eq!(
                            (t.count, t.accrued.0, t.paid.0),
                            exact(s, &ph, &q).await,
                            "{label}: {from:?}..{to:?}"
                        );
                    }
                }
            }
        };
        check("as loaded").await;
        // Every kind of write keeps them right: a payment, a moved date, a deletion.
        store::on_pool!(s, p => sqlx::query(
        "UPDATE contributions SET paid = amount, accrued_on = accrued_on WHERE policyholder_id = $1 AND paid < amount",
    )
    .bind(&ph)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
        let some: String = store::on_pool!(s, p => sqlx::query_scalar(
        "SELECT id FROM contributions WHERE policyholder_id = $1 ORDER BY id LIMIT 1",
    )
    .bind(&ph)
    .fetch_one(p)
    .await)
        .unwrap();
        store::on_pool!(s, p => sqlx::query("UPDATE contributions SET accrued_on = $1 WHERE id = $2")
        .bind(NaiveDate::from_ymd_opt(2025, 2, 14).unwrap())
        .bind(&some)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
        store::on_pool!(s, p => sqlx::query(
        "DELETE FROM contributions WHERE id IN (SELECT id FROM contributions WHERE policyholder_id = $1 ORDER BY id DESC LIMIT 3)",
    )
    .bind(&ph)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
        check("after writes").await;
    }
);

both!(
    the_programme_sort_pages_through_every_row_once_in_order,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let ph = own(s, "acc-demo").await;
        for desc in [false, true] {
            let mut q = TableQuery::default().sorted_by(SortKey::Programme);
            if q.desc != desc {
                q = q.sorted_by(SortKey::Programme);
            }
            assert_eq!(q.desc, desc);
            q.from = chrono::NaiveDate::from_ymd_opt(2024, 3, 10);
            let mut seen = Vec::new();
            let total = loop {
                let page = s.contributions("acc-demo", &ph, &q).await.unwrap();
                seen.extend(
                    page.rows
                        .iter()
                        .map(|r| (r.programme.clone(), r.accrued_on, r.id.clone())),
                );
                if page.rows.len() < PER_PAGE as usize {
                    break page.totals.count;
                }
                q = q.with_page(q.page + 1);
            };
            assert_eq!(seen.len() as i64, total);
            let mut ids: Vec<&String> = seen.iter().map(|r| &r.2).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), seen.len(), "no row twice");
            for w in seen.windows(2) {
                let (a, b) = (&w[0], &w[1]);
                let ordered = if desc {
                    (&a.0, a.1) >= (&b.0, b.1)
                } else {
                    (&a.0, a.1) <= (&b.0, b.1)
                };
                assert!(ordered, "{a:?} then {b:?}");
            }
        }
    }
);

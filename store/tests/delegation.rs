//! «Доверенности» on both databases: a citizen grants a person access with chosen rights over
//! chosen policies; nothing is shared until that person accepts it from their own account; the
//! scope holds on every read; revoking ends it at once; declined, cancelled and expired grants
//! share nothing; other people's ids are "not found".

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use chrono::Duration;
use domain::delegation::{GrantForm, GrantState};
use store::documents::DocumentFilter;
use store::{Store, StoreError};

/// A demo citizen of the test's own: account id, own policyholder id.
async fn citizen(s: &Store) -> (String, String) {
    let (email, _) = s.demo_citizen_account().await.unwrap();
    let id = s.account_id_by_email(&email).await.unwrap().unwrap();
    let ph = common::own(s, &id).await;
    (id, ph)
}

/// «Выдать доступ» to `to` as a broker, with `pay` only, over `policies` (all when empty).
async fn form_for(s: &Store, to: &str, pay: bool, policies: &[String]) -> GrantForm {
    let a = s.account(to).await.unwrap();
    GrantForm {
        full_name: a.full_name.clone(),
        id_number: a.snils.clone().or(a.inn.clone()).unwrap(),
        contact: a.email.clone(),
        role: "broker".into(),
        pay,
        scope: if policies.is_empty() { "all" } else { "chosen" }.into(),
        policies: policies.to_vec(),
        basis: "Агентский договор № 15 от 01.12.2026".into(),
        ..Default::default()
    }
}

fn not_found<T: std::fmt::Debug>(r: Result<T, StoreError>, what: &str) {
    assert!(matches!(r, Err(StoreError::NotFound)), "{what}: {r:?}");
}

both!(
    a_grant_shares_its_scope_once_accepted_and_ends_when_revoked,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let (a, a_ph) = citizen(s).await;
        let (b, _) = citizen(s).await;
        let (c, c_ph) = citizen(s).await;
        let policies = s.list_policies(&a, &a_ph).await.unwrap();
        assert!(policies.len() >= 2, "the demo citizen has several policies");
        let (p1, p2) = (&policies[0], &policies[1]);

        let form = form_for(s, &b, true, std::slice::from_ref(&p1.id)).await;
        let id = s.grant_access(&a, &a_ph, &form, "ip").await.unwrap();

        // The invitation went to the contact given, and nothing is shared yet.
        let b_email = s.account(&b).await.unwrap().email;
        let sent = s.outbox(50).await.unwrap();
        let msg = sent
            .iter()
            .find(|m| m.recipient == b_email)
            .expect("an invitation to the grantee");
        assert!(msg.body.contains("«Доверенности»") && msg.body.contains("оплата"));
        assert!(s.list_policies(&b, &a_ph).await.unwrap().is_empty());
        not_found(
            s.authorized_policyholder(&b, &a_ph).await,
            "before accepting",
        );
        let given = s.grants_given(&a, &a_ph).await.unwrap();
        assert_eq!(given.len(), 1);
        assert_eq!(given[0].state, GrantState::Pending);
        assert_eq!(given[0].policies, vec![p1.number.clone()]);

        // Only the person named can see and accept it.
        assert!(s.grants_held(&c).await.unwrap().invitations.is_empty());
        not_found(s.accept_grant(&c, &id, "ip").await, "someone else accepts");
        let held = s.grants_held(&b).await.unwrap();
        assert_eq!(held.invitations.len(), 1);
        assert_eq!(held.invitations[0].id, id);
        s.accept_grant(&b, &id, "ip").await.unwrap();
        not_found(s.accept_grant(&b, &id, "ip").await, "accepted twice");

        // The grantee sees that one policy, its contributions and debts, and nothing else.
        let brief = s.authorized_policyholder(&b, &a_ph).await.unwrap();
        assert_eq!(brief.role, "broker");
        assert!(brief.may_pay && !brief.may_report && !brief.all_policies);
        let seen = s.list_policies(&b, &a_ph).await.unwrap();
        assert_eq!(seen.iter().map(|p| &p.id).collect::<Vec<_>>(), vec![&p1.id]);
        assert!(s.policy(&b, &a_ph, &p1.id).await.is_ok());
        not_found(
            s.policy(&b, &a_ph, &p2.id).await,
            "a policy outside the scope",
        );
        let debts = s.debts(&b, &a_ph).await.unwrap();
        let all_debts = s.debts(&a, &a_ph).await.unwrap();
        assert!(debts.rows.len() < all_debts.rows.len());
        assert!(
            debts
                .rows
                .iter()
                .all(|d| d.policy_number.as_deref() == Some(p1.number.as_str())),
            "only the chosen policy's debts: {:?}",
            debts.rows
        );
        // What concerns the policyholder as a whole needs every policy (and reports the right).
        not_found(s.reports(&b, &a_ph, false).await, "reports");
        not_found(
            s.documents_filtered(&b, &a_ph, &DocumentFilter::default())
                .await,
            "documents",
        );
        // No right to pass it on.
        let to_c = form_for(s, &c, false, &[]).await;
        not_found(s.grant_access(&b, &a_ph, &to_c, "ip").await, "re-grant");
        not_found(s.grants_given(&b, &a_ph).await, "who has access");

        // Others cannot end it; the grantor can, at once.
        not_found(
            s.end_grant(&c, &a_ph, &id, "ip").await,
            "a stranger revokes",
        );
        not_found(
            s.end_grant(&c, &c_ph, &id, "ip").await,
            "under one's own id",
        );
        not_found(
            s.end_grant(&b, &a_ph, &id, "ip").await,
            "the holder revokes",
        );
        s.end_grant(&a, &a_ph, &id, "ip").await.unwrap();
        not_found(s.authorized_policyholder(&b, &a_ph).await, "after revoking");
        assert!(s.list_policies(&b, &a_ph).await.unwrap().is_empty());
        not_found(
            s.policy(&b, &a_ph, &p1.id).await,
            "the policy after revoking",
        );
        not_found(s.end_grant(&a, &a_ph, &id, "ip").await, "revoked twice");
        let held = s.grants_held(&b).await.unwrap();
        let line = held.held.iter().find(|g| g.id == id).expect("the grant");
        assert_eq!(line.state, GrantState::Revoked);
        assert!(
            held.held
                .iter()
                .any(|g| g.role == "trusted" && g.state == GrantState::InForce),
            "the grantee's own other authority (the demo relative) stands"
        );
        assert_eq!(
            s.grants_given(&a, &a_ph).await.unwrap()[0].state,
            GrantState::Revoked
        );
    }
);

both!(declined_cancelled_and_expired_grants_share_nothing, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let (a, a_ph) = citizen(s).await;
    let (b, _) = citizen(s).await;

    let declined = s
        .grant_access(&a, &a_ph, &form_for(s, &b, false, &[]).await, "ip")
        .await
        .unwrap();
    s.decline_grant(&b, &declined, "ip").await.unwrap();
    not_found(
        s.accept_grant(&b, &declined, "ip").await,
        "accept after decline",
    );
    not_found(s.authorized_policyholder(&b, &a_ph).await, "declined");

    let cancelled = s
        .grant_access(&a, &a_ph, &form_for(s, &b, false, &[]).await, "ip")
        .await
        .unwrap();
    s.end_grant(&a, &a_ph, &cancelled, "ip").await.unwrap();
    not_found(
        s.accept_grant(&b, &cancelled, "ip").await,
        "accept after cancel",
    );
    let states: Vec<GrantState> = s
        .grants_given(&a, &a_ph)
        .await
        .unwrap()
        .iter()
        .map(|g| g.state)
        .collect();
    assert!(states.contains(&GrantState::Declined) && states.contains(&GrantState::Cancelled));

    // Valid for three days from tomorrow: not yet, then in force, then over.
    let today = s.today();
    let mut f = form_for(s, &b, false, &[]).await;
    f.valid_from = (today + Duration::days(1)).format("%d.%m.%Y").to_string();
    f.valid_to = (today + Duration::days(3)).format("%d.%m.%Y").to_string();
    let timed = s.grant_access(&a, &a_ph, &f, "ip").await.unwrap();
    s.accept_grant(&b, &timed, "ip").await.unwrap();
    not_found(
        s.authorized_policyholder(&b, &a_ph).await,
        "before it starts",
    );
    let state = |h: store::delegation::Held| h.held.iter().find(|g| g.id == timed).map(|g| g.state);
    assert_eq!(
        state(s.grants_held(&b).await.unwrap()),
        Some(GrantState::NotYet)
    );
    db.clock.advance(Duration::days(2));
    assert!(s.authorized_policyholder(&b, &a_ph).await.is_ok());
    db.clock.advance(Duration::days(2));
    not_found(s.authorized_policyholder(&b, &a_ph).await, "after it ends");
    assert_eq!(
        state(s.grants_held(&b).await.unwrap()),
        Some(GrantState::Expired)
    );
});

both!(the_form_and_the_grantor_are_checked, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let (a, a_ph) = citizen(s).await;
    let (b, b_ph) = citizen(s).await;

    // To oneself.
    let mut f = form_for(s, &a, false, &[]).await;
    f.contact = "someone@example.ru".into();
    match s.grant_access(&a, &a_ph, &f, "ip").await {
        Err(StoreError::Invalid(e)) => assert!(e.get("id_number").is_some(), "{e:?}"),
        other => panic!("granted to oneself: {other:?}"),
    }
    // A policy of someone else.
    let others = s.list_policies(&b, &b_ph).await.unwrap();
    let f = form_for(s, &b, true, std::slice::from_ref(&others[0].id)).await;
    match s.grant_access(&a, &a_ph, &f, "ip").await {
        Err(StoreError::Invalid(e)) => assert!(e.get("policies").is_some(), "{e:?}"),
        other => panic!("granted another's policy: {other:?}"),
    }
    // Reports over some policies only.
    let mine = s.list_policies(&a, &a_ph).await.unwrap();
    let mut f = form_for(s, &b, false, std::slice::from_ref(&mine[0].id)).await;
    f.report = true;
    assert!(matches!(
        s.grant_access(&a, &a_ph, &f, "ip").await,
        Err(StoreError::Invalid(_))
    ));
    // A policyholder one has no authority over.
    let f = form_for(s, &b, false, &[]).await;
    not_found(
        s.grant_access(&a, &b_ph, &f, "ip").await,
        "another's policyholder",
    );
    // A trusted person of the demo data (no right to pass it on) cannot grant.
    let relative = s
        .accessible_policyholders(&a)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.role == "trusted")
        .expect("the demo citizen is a relative's trusted person");
    not_found(
        s.grant_access(&a, &relative.id, &f, "ip").await,
        "without the right to pass it on",
    );
    assert!(s.grants_given(&a, &a_ph).await.unwrap().is_empty());
});

both!(a_holder_with_the_right_passes_it_on, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let (a, a_ph) = citizen(s).await;
    let (b, _) = citizen(s).await;
    let (c, _) = citizen(s).await;
    let mut f = form_for(s, &b, true, &[]).await;
    f.role = "trusted".into();
    f.report = true;
    f.delegate = true;
    let id = s.grant_access(&a, &a_ph, &f, "ip").await.unwrap();
    s.accept_grant(&b, &id, "ip").await.unwrap();
    assert!(s.reports(&b, &a_ph, false).await.is_ok());

    let on = s
        .grant_access(&b, &a_ph, &form_for(s, &c, false, &[]).await, "ip")
        .await
        .unwrap();
    s.accept_grant(&c, &on, "ip").await.unwrap();
    assert!(s.authorized_policyholder(&c, &a_ph).await.is_ok());
    let given = s.grants_given(&a, &a_ph).await.unwrap();
    let b_name = s.account(&b).await.unwrap().full_name;
    assert!(
        given.iter().any(|g| g.id == on && g.granted_by == b_name),
        "the grantor sees who passed it on: {given:?}"
    );
    // The policyholder revokes what was passed on.
    s.end_grant(&a, &a_ph, &on, "ip").await.unwrap();
    not_found(s.authorized_policyholder(&c, &a_ph).await, "revoked");
});

both!(
    invitations_are_limited_per_account_and_counted_atomically,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let (a, a_ph) = citizen(s).await;
        let (b, _) = citizen(s).await;
        let (c, c_ph) = citizen(s).await;
        let form = form_for(s, &b, false, &[]).await;
        let limit = store::delegation::GRANTS_PER_DAY as usize;

        // Sent side by side, five more than the limit: exactly the limit go out.
        let sent = futures_util::future::join_all(
            (0..limit + 5).map(|_| s.grant_access(&a, &a_ph, &form, "ip")),
        )
        .await;
        let ok = sent.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, limit, "{sent:?}");
        for r in sent.iter().filter(|r| r.is_err()) {
            assert!(
                matches!(r, Err(StoreError::Refused(m)) if m.contains("приглашений за сутки")),
                "{r:?}"
            );
        }
        assert_eq!(s.grants_given(&a, &a_ph).await.unwrap().len(), limit);

        // The count is the account's: another citizen is not held up by it.
        let to_b = form_for(s, &b, false, &[]).await;
        assert!(s.grant_access(&c, &c_ph, &to_b, "ip").await.is_ok());

        // A day later the account may invite again.
        db.clock.advance(Duration::hours(25));
        assert!(s.grant_access(&a, &a_ph, &form, "ip").await.is_ok());
    }
);

/// A МЧД from the person with ИНН `principal` to the one with ИНН `rep`, valid around `today`.
fn mchd(principal: &str, rep: &str, today: chrono::NaiveDate) -> String {
    let issued = today - Duration::days(10);
    let to = today + Duration::days(100);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Доверенность ВерсФорм="EMCHD_1"><Документ>
  <СвДов НомДовер="5d0e6f1a-2b3c-4d5e-8f90-123456789abc" ДатаВыдДовер="{issued}" СрокДейст="{to}"/>
  <СвДоверит><Доверит><ФЛ><СведФЛ ИННФЛ="{principal}"><ФИО Фамилия="Иванов" Имя="Иван"/></СведФЛ></ФЛ></Доверит></СвДоверит>
  <СвУпПред><Пред><СведФизЛ ИННФЛ="{rep}"><СведФЛ><ФИО Фамилия="Петрова" Имя="Мария"/></СведФЛ></СведФизЛ></Пред></СвУпПред>
  <СвПолн><МашПолн КодПолн="PAY" НаимПолн="Оплата"/></СвПолн>
</Документ></Доверенность>"#
    )
}

both!(
    a_mchd_is_read_for_the_policyholder_it_names_and_only_by_who_may_grant,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let (a, a_ph) = citizen(s).await;
        let (b, b_ph) = citizen(s).await;
        let a_inn = s.account(&a).await.unwrap().inn.unwrap();
        let b_inn = s.account(&b).await.unwrap().inn.unwrap();
        let today = s.today();

        let m = s
            .read_mchd(&a, &a_ph, mchd(&a_inn, &b_inn, today).as_bytes())
            .await
            .unwrap();
        assert_eq!(m.representative.inn.as_deref(), Some(b_inn.as_str()));
        assert_eq!(m.valid_to, today + Duration::days(100));
        assert!(m.check_given_to(None, Some(&b_inn)).is_ok());

        // Issued by someone else: the message names both ИНН, on the field.
        match s
            .read_mchd(&a, &a_ph, mchd(&b_inn, &b_inn, today).as_bytes())
            .await
        {
            Err(StoreError::Invalid(f)) => {
                assert_eq!(f.0[0].field, "mchd");
                assert!(f.0[0].message.contains(&b_inn) && f.0[0].message.contains(&a_inn));
            }
            other => panic!("another principal's МЧД: {other:?}"),
        }
        // Someone else's policyholder id is "not found", before the file is even read.
        not_found(
            s.read_mchd(&b, &a_ph, mchd(&a_inn, &b_inn, today).as_bytes())
                .await,
            "another account's policyholder",
        );
        // Files are counted per account: the limit refuses the next one, the other account goes on.
        // Two read so far; the 3rd to the 30th are read (and refused for what they hold).
        for n in 3..=store::delegation::MCHD_READS_PER_HOUR {
            let r = s.read_mchd(&a, &a_ph, b"x").await;
            assert!(matches!(r, Err(StoreError::Invalid(_))), "file {n}: {r:?}");
        }
        assert!(matches!(
            s.read_mchd(&a, &a_ph, mchd(&a_inn, &b_inn, today).as_bytes())
                .await,
            Err(StoreError::Refused(_))
        ));
        assert!(
            s.read_mchd(&b, &b_ph, mchd(&b_inn, &a_inn, today).as_bytes())
                .await
                .is_ok()
        );
    }
);

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

both!(
    authority_over_an_organisation_takes_effect_only_once_staff_confirm_its_basis,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        // The demo representative of ООО «Ромашка» may pass her authority on.
        let rep = "acc-rep";
        let romashka = s
            .accessible_policyholders(rep)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.kind == "organisation")
            .expect("the demo organisation")
            .id;
        let (b, _) = citizen(s).await;
        let (c, _) = citizen(s).await;
        let mut form = form_for(s, &b, true, &[]).await;
        form.role = "representative".into();
        form.basis = "Доверенность № 15-д от 01.12.2026".into();

        // No scan, no grant: staff would have nothing to check.
        let e = s.grant_access(rep, &romashka, &form, "ip").await;
        assert!(
            matches!(&e, Err(StoreError::Invalid(f)) if f.get("files") == Some(domain::delegation::BASIS_SCAN_NEEDED)),
            "{e:?}"
        );
        // Someone else's upload is not a basis.
        let foreign = s
            .upload_attachment(&c, "files", "скан.pdf", PDF)
            .await
            .unwrap();
        form.files = vec![foreign.id.clone()];
        let e = s.grant_access(rep, &romashka, &form, "ip").await;
        assert!(
            matches!(&e, Err(StoreError::Invalid(f)) if f.get("files").is_some()),
            "{e:?}"
        );
        let scan = s
            .upload_attachment(rep, "files", "доверенность.pdf", PDF)
            .await
            .unwrap();
        form.files = vec![scan.id.clone()];
        let id = s.grant_access(rep, &romashka, &form, "ip").await.unwrap();
        let given = s.grants_given(rep, &romashka).await.unwrap();
        let line = given.iter().find(|g| g.id == id).unwrap();
        assert_eq!(line.state, GrantState::Pending);
        assert_eq!(line.review, domain::delegation::Review::Awaiting);
        assert_eq!(line.files, vec![scan.clone()]);

        // Accepted, yet nothing is shared until staff confirm.
        s.accept_grant(&b, &id, "ip").await.unwrap();
        not_found(
            s.authorized_policyholder(&b, &romashka).await,
            "accepted, not checked",
        );
        let held = s.grants_held(&b).await.unwrap();
        let line = held
            .held
            .iter()
            .find(|g| g.id == id)
            .expect("shown to the grantee");
        assert_eq!(line.state, GrantState::Checking);
        assert!(line.files.is_empty(), "the grantee is not shown the scans");

        // Only staff see the queue and decide; a refusal needs a reason.
        not_found(s.staff_authority_reviews(rep).await, "the queue, not staff");
        not_found(
            s.staff_decide_authority(&b, &id, true, "", "ip").await,
            "the grantee confirms",
        );
        let queue = s.staff_authority_reviews("acc-staff").await.unwrap();
        let row = queue.iter().find(|r| r.id == id).expect("in the queue");
        assert!(row.accepted && row.policyholder.contains("Ромашка"));
        assert_eq!(row.files, vec![scan.clone()]);
        // Staff may download the scan; a stranger may not.
        assert_eq!(
            s.attachment_content("acc-staff", &scan.id).await.unwrap().1,
            PDF
        );
        not_found(s.attachment_content(&c, &scan.id).await, "the scan");
        let e = s
            .staff_decide_authority("acc-staff", &id, false, " ", "ip")
            .await;
        assert!(
            matches!(&e, Err(StoreError::Invalid(f)) if f.get("reason").is_some()),
            "{e:?}"
        );
        s.staff_decide_authority("acc-staff", &id, true, "", "ip")
            .await
            .unwrap();
        not_found(
            s.staff_decide_authority("acc-staff", &id, true, "", "ip")
                .await,
            "decided twice",
        );
        let brief = s.authorized_policyholder(&b, &romashka).await.unwrap();
        assert_eq!(brief.role, "representative");
        assert!(
            s.staff_authority_reviews("acc-staff")
                .await
                .unwrap()
                .iter()
                .all(|r| r.id != id)
        );
        let given = s.grants_given(rep, &romashka).await.unwrap();
        let line = given.iter().find(|g| g.id == id).unwrap();
        assert_eq!(
            (line.state, &line.review),
            (GrantState::InForce, &domain::delegation::Review::Approved)
        );

        // Refused before it was accepted: it can never be accepted, and says why.
        let mut second = form_for(s, &c, false, &[]).await;
        second.role = "broker".into();
        second.files = vec![
            s.upload_attachment(rep, "files", "договор.pdf", PDF)
                .await
                .unwrap()
                .id,
        ];
        let refused = s.grant_access(rep, &romashka, &second, "ip").await.unwrap();
        s.staff_decide_authority("acc-staff", &refused, false, "Скан не читается", "ip")
            .await
            .unwrap();
        not_found(
            s.accept_grant(&c, &refused, "ip").await,
            "accept after refusal",
        );
        not_found(s.authorized_policyholder(&c, &romashka).await, "refused");
        let given = s.grants_given(rep, &romashka).await.unwrap();
        let line = given.iter().find(|g| g.id == refused).unwrap();
        assert_eq!(line.state, GrantState::Rejected);
        assert_eq!(
            line.review,
            domain::delegation::Review::Rejected("Скан не читается".into())
        );
        assert!(s.grants_held(&c).await.unwrap().invitations.is_empty());

        // Confirmed before it was accepted: accepting puts it in force at once.
        let mut third = form_for(s, &c, false, &[]).await;
        third.files = vec![
            s.upload_attachment(rep, "files", "договор-2.pdf", PDF)
                .await
                .unwrap()
                .id,
        ];
        let early = s.grant_access(rep, &romashka, &third, "ip").await.unwrap();
        s.staff_decide_authority("acc-staff", &early, true, "", "ip")
            .await
            .unwrap();
        not_found(
            s.authorized_policyholder(&c, &romashka).await,
            "confirmed, not accepted",
        );
        s.accept_grant(&c, &early, "ip").await.unwrap();
        assert_eq!(
            s.authorized_policyholder(&c, &romashka).await.unwrap().role,
            "broker"
        );
    }
);

both!(
    a_citizens_grant_waits_for_a_check_only_when_notarised_and_cannot_make_a_representative,
    |db| {
        let s = &db.store;
        s.load_demo(0).await.unwrap();
        let (a, a_ph) = citizen(s).await;
        let (b, _) = citizen(s).await;
        let mut form = form_for(s, &b, false, &[]).await;
        form.role = "representative".into();
        let e = s.grant_access(&a, &a_ph, &form, "ip").await;
        assert!(
            matches!(&e, Err(StoreError::Invalid(f)) if f.get("role").is_some_and(|m| m.contains("организация"))),
            "{e:?}"
        );
        form.role = "trusted".into();
        form.notarised = true;
        let e = s.grant_access(&a, &a_ph, &form, "ip").await;
        assert!(
            matches!(&e, Err(StoreError::Invalid(f)) if f.get("files").is_some()),
            "{e:?}"
        );
        form.files = vec![
            s.upload_attachment(&a, "files", "нотариальная.pdf", PDF)
                .await
                .unwrap()
                .id,
        ];
        let id = s.grant_access(&a, &a_ph, &form, "ip").await.unwrap();
        s.accept_grant(&b, &id, "ip").await.unwrap();
        not_found(
            s.authorized_policyholder(&b, &a_ph).await,
            "notarised, not checked",
        );
        // The grantor may withdraw it while it waits; then staff have nothing to decide.
        s.end_grant(&a, &a_ph, &id, "ip").await.unwrap();
        not_found(
            s.staff_decide_authority("acc-staff", &id, true, "", "ip")
                .await,
            "confirm a withdrawn grant",
        );
        not_found(s.authorized_policyholder(&b, &a_ph).await, "withdrawn");
        // A plain доверенность to a trusted person needs no check.
        form.notarised = false;
        form.files = Vec::new();
        let plain = s.grant_access(&a, &a_ph, &form, "ip").await.unwrap();
        s.accept_grant(&b, &plain, "ip").await.unwrap();
        assert_eq!(
            s.authorized_policyholder(&b, &a_ph).await.unwrap().role,
            "trusted"
        );
    }
);

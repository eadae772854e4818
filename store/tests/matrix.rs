//! The authority matrix, on both databases: every kind of holder (a broker with payment over one
//! policy, a trusted person who may only look, a trusted person with every right, an
//! organisation's representative) × every object endpoint of the store × the authority in force,
//! expired, revoked, not started yet, or accepted but waiting for the staff check. Each call is
//! either allowed or "not found" exactly as for a stranger, and which it is follows from one rule:
//! the authority is in force, its rights allow what the endpoint needs, and the object is within
//! its policies.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

#[macro_use]
mod common;

use chrono::Duration;
use domain::delegation::{GrantForm, Need, Rights};
use domain::payments::PayForm;
use domain::query::TableQuery;
use std::sync::Arc;
use store::documents::DocumentFilter;
use store::payments::sandbox::Sandbox;
use store::{Store, StoreError};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// What the store is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Policies,
    PolicyInScope,
    PolicyOutOfScope,
    Overview,
    Balance,
    Contributions,
    ContributionOutOfScope,
    ContributionsXlsx,
    Charges,
    ChargesXlsx,
    Debts,
    Pay,
    Documents,
    PaymentDocuments,
    Reports,
    ReportChoices,
    Requests,
    Deadlines,
    GrantsGiven,
}

impl Endpoint {
    const ALL: &'static [Endpoint] = &[
        Endpoint::Policies,
        Endpoint::PolicyInScope,
        Endpoint::PolicyOutOfScope,
        Endpoint::Overview,
        Endpoint::Balance,
        Endpoint::Contributions,
        Endpoint::ContributionOutOfScope,
        Endpoint::ContributionsXlsx,
        Endpoint::Charges,
        Endpoint::ChargesXlsx,
        Endpoint::Debts,
        Endpoint::Pay,
        Endpoint::Documents,
        Endpoint::PaymentDocuments,
        Endpoint::Reports,
        Endpoint::ReportChoices,
        Endpoint::Requests,
        Endpoint::Deadlines,
        Endpoint::GrantsGiven,
    ];

    /// What the endpoint needs of the authority, and whether its object lies outside a limited
    /// scope (a policy not chosen).
    fn needs(self) -> (Need, bool) {
        use Endpoint::*;
        match self {
            PolicyOutOfScope | ContributionOutOfScope => (Need::View, true),
            Policies | PolicyInScope | Overview | Balance | Contributions | ContributionsXlsx
            | Charges | ChargesXlsx | Debts => (Need::View, false),
            Pay => (Need::Pay, false),
            Documents | PaymentDocuments => (Need::Whole, false),
            Reports | ReportChoices | Requests | Deadlines => (Need::Report, false),
            GrantsGiven => (Need::Delegate, false),
        }
    }
}

/// Where a holder's authority stands when the endpoints are called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    InForce,
    Expired,
    Revoked,
    NotYet,
    Checking,
}

/// The policyholder a case is about, seen by its owner.
struct Owner {
    account: String,
    ph: String,
    /// In a limited scope / outside it.
    p_in: String,
    p_out: String,
    /// A contribution of `p_out`.
    contribution_out: String,
}

async fn owner(s: &Store, account: &str, ph: &str) -> Owner {
    let policies = s.list_policies(account, ph).await.unwrap();
    assert!(policies.len() >= 2, "two policies at least");
    let (p_in, p_out) = (policies[0].clone(), policies[1].clone());
    let mut contribution_out = None;
    let all = TableQuery::default();
    for row in s.contributions(account, ph, &all).await.unwrap().rows {
        let d = s.contribution(account, ph, &row.id).await.unwrap();
        if d.policy_id == p_out.id {
            contribution_out = Some(row.id);
            break;
        }
    }
    Owner {
        account: account.into(),
        ph: ph.into(),
        p_in: p_in.id,
        p_out: p_out.id,
        contribution_out: contribution_out.expect("a contribution of the second policy"),
    }
}

/// Calls `e` as `who`: Ok(true) allowed, Ok(false) "not found".
async fn call(
    s: &Store,
    sb: &Sandbox,
    who: &str,
    o: &Owner,
    e: Endpoint,
    n: usize,
) -> Result<bool, StoreError> {
    let q = TableQuery::default();
    let ph = o.ph.as_str();
    let r: Result<(), StoreError> = match e {
        Endpoint::Policies => {
            // The list is empty, not "not found", for a stranger.
            let list = s.list_policies(who, ph).await?;
            return Ok(list.iter().any(|p| p.id == o.p_in));
        }
        Endpoint::PolicyInScope => s.policy(who, ph, &o.p_in).await.map(drop),
        Endpoint::PolicyOutOfScope => s.policy(who, ph, &o.p_out).await.map(drop),
        Endpoint::Overview => s.overview(who, ph).await.map(drop),
        Endpoint::Balance => s.balance(who, ph).await.map(drop),
        Endpoint::Contributions => s.contributions(who, ph, &q).await.map(drop),
        Endpoint::ContributionOutOfScope => {
            s.contribution(who, ph, &o.contribution_out).await.map(drop)
        }
        Endpoint::ContributionsXlsx => s.contributions_xlsx(who, ph, &q).await.map(drop),
        Endpoint::Charges => s.charges(who, ph, &q).await.map(drop),
        Endpoint::ChargesXlsx => s.charges_xlsx(who, ph, &q).await.map(drop),
        Endpoint::Debts => s.debts(who, ph).await.map(drop),
        Endpoint::Pay => {
            // A form with nothing chosen: past the authority check it is refused as a form,
            // so the probe pays nothing.
            let form = PayForm {
                method: "card".into(),
                idempotency_key: format!("matrix-{n:0>14}"),
                ..PayForm::default()
            };
            match s.start_payment(sb, who, ph, &form).await {
                Err(StoreError::Invalid(_)) => Ok(()),
                other => other.map(drop),
            }
        }
        Endpoint::Documents => s
            .documents_filtered(who, ph, &DocumentFilter::default())
            .await
            .map(drop),
        Endpoint::PaymentDocuments => s.documents(who, ph, 1).await.map(drop),
        Endpoint::Reports => s.reports(who, ph, false).await.map(drop),
        Endpoint::ReportChoices => s.report_choices(who, ph).await.map(drop),
        Endpoint::Requests => s
            .requests(who, ph, &domain::requests::RequestFilter::default())
            .await
            .map(drop),
        Endpoint::Deadlines => s.deadlines(who, ph).await.map(drop),
        Endpoint::GrantsGiven => s.grants_given(who, ph).await.map(drop),
    };
    match r {
        Ok(()) => Ok(true),
        Err(StoreError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

struct Case {
    name: &'static str,
    role: &'static str,
    rights: Rights,
    standing: Standing,
    /// The owner is the organisation (else the citizen).
    organisation: bool,
    holder: String,
}

both!(every_holder_every_endpoint_every_standing, |db| {
    let s = &db.store;
    s.load_demo(0).await.unwrap();
    let sb: Arc<Sandbox> = Sandbox::new(
        s.clone(),
        Duration::zero(),
        Duration::seconds(60),
        Arc::new(|_, _| Box::pin(async {})),
    )
    .await
    .unwrap();
    let (email, _) = s.demo_citizen_account().await.unwrap();
    let citizen = s.account_id_by_email(&email).await.unwrap().unwrap();
    let citizen_ph = common::own(s, &citizen).await;
    let romashka = s
        .accessible_policyholders("acc-rep")
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.kind == "organisation")
        .expect("the demo organisation")
        .id;
    let owners = [
        owner(s, &citizen, &citizen_ph).await,
        owner(s, "acc-rep", &romashka).await,
    ];

    let all = |report, pay, delegate| Rights {
        report,
        pay,
        delegate,
        all_policies: true,
    };
    let pay_one = Rights {
        pay: true,
        ..Default::default()
    };
    let plan: Vec<(&str, &str, Rights, Standing, bool)> = vec![
        (
            "broker, pay, one policy",
            "broker",
            pay_one.clone(),
            Standing::InForce,
            false,
        ),
        (
            "trusted, view only",
            "trusted",
            all(false, false, false),
            Standing::InForce,
            false,
        ),
        (
            "trusted, every right",
            "trusted",
            all(true, true, true),
            Standing::InForce,
            false,
        ),
        (
            "representative, every right",
            "representative",
            all(true, true, true),
            Standing::InForce,
            true,
        ),
        (
            "broker, pay, one policy, expired",
            "broker",
            pay_one.clone(),
            Standing::Expired,
            false,
        ),
        (
            "trusted, every right, revoked",
            "trusted",
            all(true, true, true),
            Standing::Revoked,
            false,
        ),
        (
            "trusted, every right, not yet",
            "trusted",
            all(true, true, true),
            Standing::NotYet,
            false,
        ),
        (
            "trusted, notarised, waiting for the check",
            "trusted",
            all(true, true, true),
            Standing::Checking,
            false,
        ),
        (
            "representative, waiting for the check",
            "representative",
            all(true, true, true),
            Standing::Checking,
            true,
        ),
    ];
    let today = s.today();
    let mut cases = Vec::new();
    for (name, role, rights, standing, organisation) in plan {
        let o = &owners[usize::from(organisation)];
        let (email, _) = s.demo_citizen_account().await.unwrap();
        let holder = s.account_id_by_email(&email).await.unwrap().unwrap();
        let a = s.account(&holder).await.unwrap();
        let needs_check = organisation || standing == Standing::Checking;
        let files = if needs_check {
            vec![
                s.upload_attachment(&o.account, "files", "основание.pdf", PDF)
                    .await
                    .unwrap()
                    .id,
            ]
        } else {
            Vec::new()
        };
        let form = GrantForm {
            full_name: a.full_name.clone(),
            id_number: a.inn.clone().unwrap(),
            contact: a.email.clone(),
            role: role.into(),
            report: rights.report,
            pay: rights.pay,
            delegate: rights.delegate,
            scope: if rights.all_policies { "all" } else { "chosen" }.into(),
            policies: if rights.all_policies {
                Vec::new()
            } else {
                vec![o.p_in.clone()]
            },
            valid_from: match standing {
                Standing::NotYet => (today + Duration::days(10)).format("%d.%m.%Y").to_string(),
                _ => String::new(),
            },
            valid_to: match standing {
                Standing::Expired => (today + Duration::days(1)).format("%d.%m.%Y").to_string(),
                _ => String::new(),
            },
            basis: "Доверенность № 1 от 01.12.2026".into(),
            notarised: standing == Standing::Checking && !organisation,
            files,
        };
        let id = s
            .grant_access(&o.account, &o.ph, &form, "ip")
            .await
            .unwrap();
        s.accept_grant(&holder, &id, "ip").await.unwrap();
        if needs_check && standing != Standing::Checking {
            s.staff_decide_authority("acc-staff", &id, true, "", "ip")
                .await
                .unwrap();
        }
        if standing == Standing::Revoked {
            s.end_grant(&o.account, &o.ph, &id, "ip").await.unwrap();
        }
        cases.push(Case {
            name,
            role,
            rights,
            standing,
            organisation,
            holder,
        });
    }
    // The expired case ends, the one not started yet has not started.
    db.clock.advance(Duration::days(3));

    let mut n = 0;
    let mut table = Vec::new();
    for c in &cases {
        let o = &owners[usize::from(c.organisation)];
        for &e in Endpoint::ALL {
            n += 1;
            let (need, outside) = e.needs();
            let expected = c.standing == Standing::InForce
                && c.rights.allows(need)
                && (!outside || c.rights.all_policies);
            let got = call(s, &sb, &c.holder, o, e, n)
                .await
                .unwrap_or_else(|err| panic!("{} / {e:?}: {err:?}", c.name));
            if got != expected {
                table.push(format!(
                    "{} ({}) / {e:?}: expected {}, got {}",
                    c.name,
                    c.role,
                    if expected { "allowed" } else { "not found" },
                    if got { "allowed" } else { "not found" }
                ));
            }
            // A stranger gets exactly what a holder without the right gets.
            if c.standing == Standing::InForce && c.name.starts_with("broker") {
                let stranger = &cases
                    .iter()
                    .find(|x| x.standing == Standing::Revoked)
                    .unwrap()
                    .holder;
                n += 1;
                assert!(
                    !call(s, &sb, stranger, o, e, n).await.unwrap(),
                    "{e:?} for a stranger"
                );
            }
        }
    }
    assert!(
        table.is_empty(),
        "the matrix differs:\n{}",
        table.join("\n")
    );
    // The limited broker sees fewer contributions than the owner, and never one of another policy.
    let broker = &cases[0];
    let q = TableQuery::default();
    let theirs = s
        .contributions(&broker.holder, &owners[0].ph, &q)
        .await
        .unwrap();
    let mine = s
        .contributions(&owners[0].account, &owners[0].ph, &q)
        .await
        .unwrap();
    assert!(
        theirs.totals.count < mine.totals.count,
        "{} < {}",
        theirs.totals.count,
        mine.totals.count
    );
    for row in theirs.rows {
        let d = s
            .contribution(&owners[0].account, &owners[0].ph, &row.id)
            .await
            .unwrap();
        assert_eq!(d.policy_id, owners[0].p_in);
    }
});

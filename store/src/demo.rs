//! The deterministic demo data set: the four demo accounts of SPEC.md, people in the insurer's
//! register who may still sign up, and `scale` extra policyholders for benchmarks. Three years of
//! monthly contributions and charges for every policy. Loaded once (a setting remembers it);
//! rows are written in multi-row batches inside transactions so 100,000 policyholders load in minutes.

use crate::accounts::hash_password;
use crate::{Store, StoreResult, on_pool, on_pool_db};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use domain::ids;

pub const DEMO_PASSWORD: &str = "Kabinet-2026";
/// The demo staff member's TOTP secret (base32), for an authenticator app: the staff area
/// opens only with a second factor. Demo data only; `make run` prints it.
pub const DEMO_STAFF_TOTP_SECRET: &str = "KABINETDEMOSTAFFKABINETDEMOSTAFF";

/// A person in the insurer's register without an account: signing up with this СНИЛС and e-mail
/// links the new account to their policies.
pub struct RegisterPerson {
    pub name: &'static str,
    pub snils: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
}

pub const REGISTER_PEOPLE: &[RegisterPerson] = &[
    RegisterPerson {
        name: "Петров Пётр Петрович",
        snils: "11223344595",
        email: "petrov@example.ru",
        phone: "+79160000101",
    },
    RegisterPerson {
        name: "Сидорова Анна Игоревна",
        snils: "20030040048",
        email: "sidorova@example.ru",
        phone: "+79160000102",
    },
    RegisterPerson {
        name: "Орлов Денис Сергеевич",
        snils: "15784296314",
        email: "orlov@example.ru",
        phone: "+79160000103",
    },
    RegisterPerson {
        name: "Волкова Елена Андреевна",
        snils: "31827594698",
        email: "volkova@example.ru",
        phone: "+79160000104",
    },
];

/// SplitMix64: small, fast, and the same numbers on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn id(&mut self) -> String {
        format!("{:016x}{:016x}", self.next(), self.next())
    }

    fn until_valid(&mut self, len: usize, check: impl Fn(&str) -> bool) -> String {
        loop {
            let mut s = self.digits(len);
            if s.starts_with('0') {
                s.replace_range(0..1, "1");
            }
            if check(&s) {
                return s;
            }
        }
    }

    fn inn10(&mut self) -> String {
        self.until_valid(10, |s| ids::inn(s).is_ok())
    }
    fn inn12(&mut self) -> String {
        self.until_valid(12, |s| ids::inn(s).is_ok())
    }
    fn snils(&mut self) -> String {
        self.until_valid(11, |s| ids::snils(s).is_ok())
    }
    fn ogrn(&mut self) -> String {
        self.until_valid(13, |s| ids::ogrn(s).is_ok())
    }
}

const MALE_FIRST: &[&str] = &[
    "Александр",
    "Дмитрий",
    "Максим",
    "Сергей",
    "Андрей",
    "Алексей",
    "Артём",
    "Илья",
    "Кирилл",
    "Михаил",
];
const FEMALE_FIRST: &[&str] = &[
    "Анна",
    "Мария",
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Екатерина",
    "Светлана",
    "Юлия",
];
const SURNAMES: &[&str] = &[
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
];
const PATRONYMS: &[&str] = &[
    "Александров",
    "Дмитриев",
    "Сергеев",
    "Андреев",
    "Алексеев",
    "Михайлов",
    "Иванов",
    "Петров",
];
const ORG_WORDS: &[&str] = &[
    "Ромашка",
    "Вектор",
    "Северный ветер",
    "Стройресурс",
    "Технопарк",
    "Зелёная долина",
    "Меридиан",
    "Волга-Логистик",
    "Уральский мастер",
    "Альфа-Сервис",
];

fn person_name(rng: &mut Rng) -> String {
    let male = rng.below(2) == 0;
    let surname = rng.pick(SURNAMES);
    let patronym = rng.pick(PATRONYMS);
    if male {
        format!("{surname} {} {patronym}ич", rng.pick(MALE_FIRST))
    } else {
        format!("{surname}а {} {patronym}на", rng.pick(FEMALE_FIRST))
    }
}

struct Programme {
    id: &'static str,
    code: &'static str,
    name: &'static str,
    kbk: &'static str,
    /// Monthly contribution range, roubles.
    monthly: (i64, i64),
    /// Insured sum as months of contributions.
    sum_factor: i64,
    /// Пени per day overdue, millionths of the debt (1/300 of a 16 % key rate is 533).
    penalty_ppm: Option<i64>,
}

const PROGRAMMES: &[Programme] = &[
    Programme {
        id: "prog-property",
        code: "IMU",
        name: "Страхование имущества",
        kbk: "18210202010061010160",
        monthly: (900, 4_500),
        sum_factor: 900,
        penalty_ppm: Some(533),
    },
    Programme {
        id: "prog-dms",
        code: "DMS",
        name: "Добровольное медицинское страхование",
        kbk: "39310202050071000160",
        monthly: (1_500, 6_000),
        sum_factor: 300,
        penalty_ppm: None,
    },
    Programme {
        id: "prog-accident",
        code: "NSP",
        name: "Страхование от несчастных случаев",
        kbk: "39310202050071000160",
        monthly: (300, 1_200),
        sum_factor: 1_000,
        penalty_ppm: Some(333),
    },
    Programme {
        id: "prog-liability",
        code: "GOO",
        name: "Страхование гражданской ответственности",
        kbk: "18210202010061010160",
        monthly: (1_000, 8_000),
        sum_factor: 600,
        penalty_ppm: Some(533),
    },
    Programme {
        id: "prog-life",
        code: "JIZ",
        name: "Страхование жизни",
        kbk: "39310202050071000160",
        monthly: (2_000, 7_000),
        sum_factor: 500,
        penalty_ppm: None,
    },
];

struct Insurer {
    id: &'static str,
    name: &'static str,
    bank: &'static str,
}

const INSURERS: &[Insurer] = &[
    Insurer {
        id: "ins-shield",
        name: "АО «Страховая компания «Надёжный щит»»",
        bank: "ПАО «Банк Развития»",
    },
    Insurer {
        id: "ins-north",
        name: "ООО «Северная страховая компания»",
        bank: "АО «Северный банк»",
    },
    Insurer {
        id: "ins-mutual",
        name: "Общество взаимного страхования «Содружество»",
        bank: "ПАО «Банк Развития»",
    },
];

/// id, full name, e-mail, phone, СНИЛС, ИНН, password hash, role.
type AccountRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
);
/// id, account, policyholder, role, basis, valid from, valid to.
type AuthorityRow = (
    String,
    String,
    String,
    String,
    String,
    NaiveDate,
    Option<NaiveDate>,
);
/// id, policyholder, number, programme, insurer, starts, ends, insured sum, premium, status.
type PolicyRow = (
    String,
    String,
    String,
    String,
    String,
    NaiveDate,
    NaiveDate,
    i64,
    i64,
    String,
);
/// id, policyholder, policy, programme, accrued on, due on, amount, paid.
type ContributionRow = (
    String,
    String,
    String,
    String,
    NaiveDate,
    NaiveDate,
    i64,
    i64,
);
/// id, policyholder, policy, kind, charged on, amount, status, description.
type ChargeRow = (
    String,
    String,
    Option<String>,
    String,
    NaiveDate,
    i64,
    String,
    String,
);

#[derive(Default)]
struct Batch {
    accounts: Vec<AccountRow>,
    policyholders: Vec<PolicyholderRow>,
    authorities: Vec<AuthorityRow>,
    policies: Vec<PolicyRow>,
    contributions: Vec<ContributionRow>,
    charges: Vec<ChargeRow>,
}

#[derive(Default, Clone)]
struct PolicyholderRow {
    id: String,
    kind: &'static str,
    name: String,
    birth_date: Option<NaiveDate>,
    snils: Option<String>,
    inn: Option<String>,
    passport: Option<String>,
    ogrn: Option<String>,
    kpp: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

/// What was loaded.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub policyholders: usize,
    pub policies: usize,
    pub contributions: usize,
    pub charges: usize,
}

struct Gen {
    rng: Rng,
    today: NaiveDate,
    batch: Batch,
    summary: DemoSummary,
    seq: u64,
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

impl Gen {
    fn person(
        &mut self,
        name: String,
        snils: Option<String>,
        email: Option<String>,
        phone: Option<String>,
    ) -> PolicyholderRow {
        let birth = NaiveDate::from_ymd_opt(
            1950 + self.rng.below(50) as i32,
            1 + self.rng.below(12) as u32,
            1 + self.rng.below(28) as u32,
        );
        let ph = PolicyholderRow {
            id: self.rng.id(),
            kind: "person",
            name,
            birth_date: birth,
            snils: Some(snils.unwrap_or_else(|| self.rng.snils())),
            inn: Some(self.rng.inn12()),
            passport: Some(format!("{} {}", self.rng.digits(4), self.rng.digits(6))),
            email,
            phone,
            ..Default::default()
        };
        self.batch.policyholders.push(ph.clone());
        self.summary.policyholders += 1;
        ph
    }

    fn organisation(&mut self, name: String) -> PolicyholderRow {
        let ph = PolicyholderRow {
            id: self.rng.id(),
            kind: "organisation",
            name,
            inn: Some(self.rng.inn10()),
            ogrn: Some(self.rng.ogrn()),
            kpp: Some(format!("77{}01001", self.rng.digits(2))),
            ..Default::default()
        };
        self.batch.policyholders.push(ph.clone());
        self.summary.policyholders += 1;
        ph
    }

    #[allow(clippy::too_many_arguments)]
    fn account(
        &mut self,
        id: &str,
        name: &str,
        email: &str,
        phone: &str,
        ph: Option<&PolicyholderRow>,
        role: &str,
        hash: &str,
    ) {
        self.batch.accounts.push((
            id.to_string(),
            name.to_string(),
            email.to_string(),
            phone.to_string(),
            ph.and_then(|p| p.snils.clone()),
            ph.and_then(|p| p.inn.clone()),
            hash.to_string(),
            role.to_string(),
        ));
    }

    fn authority(
        &mut self,
        account: &str,
        ph: &str,
        role: &str,
        basis: &str,
        from: NaiveDate,
        to: Option<NaiveDate>,
    ) {
        let id = self.rng.id();
        self.batch.authorities.push((
            id,
            account.to_string(),
            ph.to_string(),
            role.to_string(),
            basis.to_string(),
            from,
            to,
        ));
    }

    /// A policy running `months` months from `start`, with monthly contributions and charges up to
    /// today; everything is paid except what falls in the last `unpaid` months.
    fn policy(
        &mut self,
        ph: &str,
        programme: usize,
        start: NaiveDate,
        months: u32,
        unpaid: u32,
        status: &str,
    ) {
        let prog = &PROGRAMMES[programme % PROGRAMMES.len()];
        let insurer = self.rng.pick(INSURERS).id;
        let monthly_rub =
            prog.monthly.0 + self.rng.below((prog.monthly.1 - prog.monthly.0) as u64) as i64;
        let monthly = monthly_rub * 100 + (self.rng.below(100) as i64);
        let id = self.rng.id();
        self.seq += 1;
        // 7919 is prime to 10^7, so distinct sequence numbers give distinct, scattered numbers.
        let number = format!(
            "{}-{}-{:07}",
            prog.code,
            start.year(),
            (self.seq * 7919) % 10_000_000
        );
        let ends = start
            .checked_add_months(Months::new(months))
            .and_then(|d| d.pred_opt())
            .unwrap_or(start);
        self.batch.policies.push((
            id.clone(),
            ph.to_string(),
            number,
            prog.id.to_string(),
            insurer.to_string(),
            start,
            ends,
            monthly * prog.sum_factor,
            monthly * 12,
            status.to_string(),
        ));
        self.summary.policies += 1;
        let last_month = month_start(self.today.min(ends));
        let mut month = month_start(start);
        let mut months_list = Vec::new();
        while month <= last_month {
            months_list.push(month);
            month = month
                .checked_add_months(Months::new(1))
                .unwrap_or(last_month.succ_opt().unwrap_or(last_month));
        }
        let n = months_list.len();
        for (i, m) in months_list.into_iter().enumerate() {
            let owed = i + (unpaid as usize) >= n;
            let due = m.with_day(25).unwrap_or(m);
            let paid = if !owed {
                monthly
            } else if i + 1 == n && unpaid > 1 {
                monthly / 2
            } else {
                0
            };
            self.batch.contributions.push((
                self.rng.id(),
                ph.to_string(),
                id.clone(),
                prog.id.to_string(),
                m,
                due,
                monthly,
                paid,
            ));
            let status = if paid == monthly {
                "paid"
            } else if paid > 0 {
                "partial"
            } else {
                "unpaid"
            };
            self.batch.charges.push((
                self.rng.id(),
                ph.to_string(),
                Some(id.clone()),
                "premium".into(),
                m,
                monthly,
                status.into(),
                format!("Страховая премия за {}", m.format("%m.%Y")),
            ));
            self.summary.contributions += 1;
            self.summary.charges += 1;
            // Now and then a late payment earns a fine, and a subsidy comes for a year.
            if self.rng.below(40) == 0 {
                let fine = 50_000 + self.rng.below(20) as i64 * 10_000;
                let status = if owed { "unpaid" } else { "paid" };
                self.batch.charges.push((
                    self.rng.id(),
                    ph.to_string(),
                    Some(id.clone()),
                    "penalty".into(),
                    due,
                    fine,
                    status.into(),
                    "Штраф за просрочку уплаты взноса".into(),
                ));
                self.summary.charges += 1;
            }
            if m.month() == 1 && self.rng.below(3) == 0 {
                let subsidy = -(monthly / 10) * 12;
                self.batch.charges.push((
                    self.rng.id(),
                    ph.to_string(),
                    Some(id.clone()),
                    "subsidy".into(),
                    m,
                    subsidy,
                    "paid".into(),
                    "Субсидия на уплату страховых взносов".into(),
                ));
                self.summary.charges += 1;
            }
        }
    }

    /// The demo citizen Иванов Иван Петрович with an account: three policies of his own (two
    /// running, one ended, some debt) and a trusted person's authority over his mother's policy.
    /// Answers his policyholder record.
    fn citizen(&mut self, account: &str, email: &str, phone: &str, hash: &str) -> PolicyholderRow {
        let ivanov = self.person(
            "Иванов Иван Петрович".into(),
            None,
            Some(email.into()),
            Some(phone.into()),
        );
        self.account(
            account,
            &ivanov.name,
            email,
            phone,
            Some(&ivanov),
            "user",
            hash,
        );
        let three_years = self.years_ago(3);
        let two_years = self.years_ago(2);
        let one_year = self.years_ago(1);
        self.authority(
            account,
            &ivanov.id,
            "self",
            "Сведения страховщика, контакт подтверждён",
            three_years,
            None,
        );
        self.policy(&ivanov.id, 0, three_years, 48, 2, "active");
        self.policy(&ivanov.id, 1, two_years, 36, 1, "active");
        self.policy(&ivanov.id, 2, three_years, 24, 0, "expired");
        let mother = self.person("Иванова Анна Сергеевна".into(), None, None, None);
        self.policy(&mother.id, 4, one_year, 60, 0, "active");
        let until = self.today.checked_add_months(Months::new(18));
        self.authority(
            account,
            &mother.id,
            "trusted",
            "Нотариальная доверенность 77 АБ 1234567 от 01.03.2025",
            one_year,
            until,
        );
        ivanov
    }

    fn years_ago(&self, years: u32) -> NaiveDate {
        month_start(self.today)
            .checked_sub_months(Months::new(12 * years))
            .unwrap_or(self.today)
    }
}

impl Store {
    /// Loads the demo data once. Returns `None` if it was already there.
    pub async fn load_demo(&self, scale: u32) -> StoreResult<Option<DemoSummary>> {
        if self.setting("demo_loaded").await?.is_some() {
            return Ok(None);
        }
        let hash = hash_password(DEMO_PASSWORD.to_string()).await?;
        let now = self.now();
        let mut g = Gen {
            rng: Rng(2026),
            today: self.today(),
            batch: Batch::default(),
            summary: DemoSummary::default(),
            seq: 0,
        };
        let three_years = g.years_ago(3);
        let two_years = g.years_ago(2);
        let one_year = g.years_ago(1);

        // The citizen: three policies (two running, one ended), some debt; trusted person for a relative.
        let ivanov = g.citizen("acc-demo", "demo@example.ru", "+79160000001", &hash);

        // The representative: a person with a policy of her own, and director of an ООО.
        let smirnova = g.person(
            "Смирнова Ольга Викторовна".into(),
            None,
            Some("rep@example.ru".into()),
            Some("+79160000002".into()),
        );
        g.account(
            "acc-rep",
            &smirnova.name,
            "rep@example.ru",
            "+79160000002",
            Some(&smirnova),
            "user",
            &hash,
        );
        g.authority(
            "acc-rep",
            &smirnova.id,
            "self",
            "Сведения страховщика, контакт подтверждён",
            two_years,
            None,
        );
        g.policy(&smirnova.id, 2, two_years, 36, 0, "active");
        let romashka = g.organisation("ООО «Ромашка»".into());
        g.authority(
            "acc-rep",
            &romashka.id,
            "representative",
            "Приказ № 12-к о назначении генеральным директором",
            three_years,
            None,
        );
        g.policy(&romashka.id, 3, three_years, 48, 1, "active");
        g.policy(&romashka.id, 0, two_years, 36, 0, "active");

        // The broker: six clients under an agency agreement, and one whose agreement has ended.
        let kuznetsov = g.person(
            "Кузнецов Павел Андреевич".into(),
            None,
            Some("broker@example.ru".into()),
            Some("+79160000003".into()),
        );
        g.account(
            "acc-broker",
            &kuznetsov.name,
            "broker@example.ru",
            "+79160000003",
            Some(&kuznetsov),
            "user",
            &hash,
        );
        g.authority(
            "acc-broker",
            &kuznetsov.id,
            "self",
            "Сведения страховщика, контакт подтверждён",
            two_years,
            None,
        );
        let agreement_to = g.today.checked_add_months(Months::new(15));
        for i in 0..7u32 {
            let client = if i % 3 == 2 {
                let name = format!("ООО «{}»", ORG_WORDS[(i as usize + 1) % ORG_WORDS.len()]);
                g.organisation(name)
            } else {
                let name = person_name(&mut g.rng);
                g.person(name, None, None, None)
            };
            g.policy(&client.id, i as usize, two_years, 36, i % 2, "active");
            if i == 6 {
                let ended = g.today.checked_sub_months(Months::new(2));
                g.authority(
                    "acc-broker",
                    &client.id,
                    "broker",
                    "Агентский договор № АД-2023/004 (срок истёк)",
                    three_years,
                    ended,
                );
            } else {
                g.authority(
                    "acc-broker",
                    &client.id,
                    "broker",
                    "Агентский договор № АД-2025/017",
                    one_year,
                    agreement_to,
                );
            }
        }

        // Staff of the insurer.
        g.account(
            "acc-staff",
            "Сотрудникова Мария Андреевна",
            "staff@example.ru",
            "+79160000004",
            None,
            "staff",
            &hash,
        );

        // People in the register without an account yet.
        for (i, p) in REGISTER_PEOPLE.iter().enumerate() {
            let ph = g.person(
                p.name.into(),
                Some(p.snils.into()),
                Some(p.email.into()),
                Some(p.phone.into()),
            );
            g.policy(&ph.id, i + 1, two_years, 36, 0, "active");
            g.policy(&ph.id, i + 3, one_year, 24, 1, "active");
        }
        self.flush_demo(&mut g.batch, now).await?;
        self.demo_insured_events(&[&ivanov.id, &romashka.id], 100)
            .await?;

        // Benchmark scale: `scale` more policyholders with two policies each.
        for i in 0..scale {
            let name = person_name(&mut g.rng);
            let ph = g.person(name, None, None, None);
            g.policy(&ph.id, i as usize, three_years, 48, i % 3, "active");
            g.policy(&ph.id, i as usize + 2, two_years, 36, 0, "active");
            if g.batch.contributions.len() >= 20_000 {
                self.flush_demo(&mut g.batch, now).await?;
            }
        }
        self.flush_demo(&mut g.batch, now).await?;
        self.enable_demo_totp("acc-staff", DEMO_STAFF_TOTP_SECRET)
            .await?;
        self.set_setting("demo_loaded", &now.to_rfc3339()).await?;
        Ok(Some(g.summary))
    }

    /// Turns a TOTP app on for a demo account with a known secret.
    async fn enable_demo_totp(&self, account_id: &str, secret: &str) -> StoreResult<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO totp (account_id, secret, enabled_at, last_step, created_at) VALUES ($1, $2, $3, 0, $3)",
        )
        .bind(account_id)
        .bind(secret)
        .bind(self.now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Demo mode's `/dev/citizen`: a demo citizen of the test's own, with the same policies,
    /// debts, trusted person's authority and insured events as `demo@example.ru` but new contacts
    /// and identifiers, so browser tests run side by side never share one account's notices,
    /// reminders, drafts or payments. Answers the e-mail (the password is [`DEMO_PASSWORD`]) and
    /// the ИНН (staff find the citizen by it). Never reachable outside demo mode.
    pub async fn demo_citizen_account(&self) -> StoreResult<(String, String)> {
        use rand::RngCore;
        // Taken atomically, so citizens made at the same moment get different numbers (and so
        // different policy and event numbers, which are unique).
        let n: String = on_pool!(self, p => sqlx::query_scalar(
            "INSERT INTO settings (key, value) VALUES ('demo_citizens', '1')
             ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(settings.value AS INTEGER) + 1 AS TEXT)
             RETURNING value",
        )
        .fetch_one(p)
        .await)?;
        let n: u64 = n.parse().map_err(|_| {
            crate::StoreError::Internal("the demo citizens' counter is not a number".into())
        })?;
        let hash = hash_password(DEMO_PASSWORD.to_string()).await?;
        let mut g = Gen {
            rng: Rng(rand::rngs::OsRng.next_u64()),
            today: self.today(),
            batch: Batch::default(),
            summary: DemoSummary::default(),
            // Above the numbers of the demo data and its benchmark scale, ten per citizen.
            seq: 5_000_000 + n * 10,
        };
        let id = crate::new_id();
        let email = format!("citizen{n}@example.ru");
        let phone = format!("+79161{:06}", n % 1_000_000);
        let ivanov = g.citizen(&id, &email, &phone, &hash);
        self.flush_demo(&mut g.batch, self.now()).await?;
        self.demo_insured_events(&[&ivanov.id], 1_000 + n * 10)
            .await?;
        Ok((email, ivanov.inn.unwrap_or_default()))
    }

    /// Demo mode's `/dev/staff`: a new staff member of its own (password [`DEMO_PASSWORD`], a
    /// TOTP app with a new secret) for each browser test that works in the staff area, so tests
    /// run side by side never share one staff account's TOTP steps or journal. Answers the
    /// e-mail and the secret. Never reachable outside demo mode.
    pub async fn demo_staff_account(&self) -> StoreResult<(String, String)> {
        use rand::RngCore;
        let id = crate::new_id();
        let email = format!("staff-{}@example.ru", &id[..12.min(id.len())]).to_lowercase();
        let mut phone_digits = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut phone_digits);
        let phone: String = std::iter::once("+7926".to_string())
            .chain(phone_digits.iter().take(7).map(|b| (b % 10).to_string()))
            .collect();
        let hash = hash_password(DEMO_PASSWORD.to_string()).await?;
        let now = self.now();
        on_pool!(self, p => sqlx::query(
            "INSERT INTO accounts (id, full_name, email, phone, password_hash, role, channel, confirmed_at, created_at)
             VALUES ($1, 'Сотрудник для проверки', $2, $3, $4, 'staff', 'email', $5, $5)",
        )
        .bind(&id)
        .bind(&email)
        .bind(&phone)
        .bind(&hash)
        .bind(now)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        let mut raw = [0u8; 20];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let secret = totp_rs::Secret::Raw(raw.to_vec()).to_encoded().to_string();
        self.enable_demo_totp(&id, &secret).await?;
        Ok((email, secret))
    }

    async fn flush_demo(&self, b: &mut Batch, now: DateTime<Utc>) -> StoreResult<()> {
        let batch = std::mem::take(b);
        on_pool_db!(self, p, Db => {
            // Read before the transaction, so that its first statement is a write: a SQLite
            // transaction that reads and then writes fails at once with SQLITE_BUSY if another
            // connection wrote in between (the busy timeout does not apply), as /dev/citizen
            // did beside the browser tests' other writes.
            let fixed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM insurers").fetch_one(p).await?;
            let mut tx = p.begin().await?;
            if fixed == 0 {
                let mut rng = Rng(7);
                for ins in INSURERS {
                    sqlx::query("INSERT INTO insurers (id, name, inn, kpp, ogrn, bank_name, bik, account, corr_account) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                        .bind(ins.id).bind(ins.name).bind(rng.inn10()).bind("770101001").bind(rng.ogrn()).bind(ins.bank)
                        .bind(format!("044525{}", rng.digits(3))).bind(format!("40701810{}", rng.digits(12))).bind(format!("30101810{}", rng.digits(12)))
                        .execute(&mut *tx).await?;
                }
                for prog in PROGRAMMES {
                    sqlx::query("INSERT INTO programmes (id, code, name, kbk, penalty_ppm) VALUES ($1, $2, $3, $4, $5)")
                        .bind(prog.id).bind(prog.code).bind(prog.name).bind(prog.kbk).bind(prog.penalty_ppm)
                        .execute(&mut *tx).await?;
                }
            }
            for chunk in batch.accounts.chunks(500) {
                let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO accounts (id, full_name, email, phone, snils, inn, password_hash, role, channel, confirmed_at, created_at) ");
                q.push_values(chunk, |mut r, a| {
                    r.push_bind(a.0.clone()).push_bind(a.1.clone()).push_bind(a.2.clone()).push_bind(a.3.clone())
                        .push_bind(a.4.clone()).push_bind(a.5.clone()).push_bind(a.6.clone()).push_bind(a.7.clone())
                        .push_bind("email").push_bind(now).push_bind(now);
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in batch.policyholders.chunks(500) {
                let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO policyholders (id, kind, name, birth_date, snils, inn, passport, ogrn, kpp, email, phone, created_at) ");
                q.push_values(chunk, |mut r, p| {
                    r.push_bind(p.id.clone()).push_bind(p.kind).push_bind(p.name.clone()).push_bind(p.birth_date)
                        .push_bind(p.snils.clone()).push_bind(p.inn.clone()).push_bind(p.passport.clone()).push_bind(p.ogrn.clone())
                        .push_bind(p.kpp.clone()).push_bind(p.email.clone()).push_bind(p.phone.clone()).push_bind(now);
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in batch.authorities.chunks(500) {
                let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO authorities (id, account_id, policyholder_id, role, basis, valid_from, valid_to, created_at, may_delegate) ");
                q.push_values(chunk, |mut r, a| {
                    // The person themself and an organisation's representative may pass authority on.
                    r.push_bind(a.0.clone()).push_bind(a.1.clone()).push_bind(a.2.clone()).push_bind(a.3.clone())
                        .push_bind(a.4.clone()).push_bind(a.5).push_bind(a.6).push_bind(now)
                        .push_bind(a.3 == "self" || a.3 == "representative");
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in batch.policies.chunks(500) {
                let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO policies (id, policyholder_id, number, programme_id, insurer_id, starts_on, ends_on, insured_sum, premium, status, created_at) ");
                q.push_values(chunk, |mut r, p| {
                    r.push_bind(p.0.clone()).push_bind(p.1.clone()).push_bind(p.2.clone()).push_bind(p.3.clone()).push_bind(p.4.clone())
                        .push_bind(p.5).push_bind(p.6).push_bind(p.7).push_bind(p.8).push_bind(p.9.clone()).push_bind(now);
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in batch.contributions.chunks(1000) {
                let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO contributions (id, policyholder_id, policy_id, programme_id, accrued_on, due_on, amount, paid, created_at) ");
                q.push_values(chunk, |mut r, c| {
                    r.push_bind(c.0.clone()).push_bind(c.1.clone()).push_bind(c.2.clone()).push_bind(c.3.clone())
                        .push_bind(c.4).push_bind(c.5).push_bind(c.6).push_bind(c.7).push_bind(now);
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in batch.charges.chunks(1000) {
                let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO charges (id, policyholder_id, policy_id, kind, charged_on, amount, status, description, created_at) ");
                q.push_values(chunk, |mut r, c| {
                    r.push_bind(c.0.clone()).push_bind(c.1.clone()).push_bind(c.2.clone()).push_bind(c.3.clone())
                        .push_bind(c.4).push_bind(c.5).push_bind(c.6.clone()).push_bind(c.7.clone()).push_bind(now);
                });
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<(), crate::StoreError>(())
        })
    }
}

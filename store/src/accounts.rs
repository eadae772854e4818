//! Accounts: registration, password login with throttling, confirmation.

use crate::journal::Entry;
use crate::throttle::Attempt;
use crate::{Message, Store, StoreError, StoreResult, new_id, on_pool};
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Utc};
use domain::FieldErrors;
use domain::forms::{Registration, ValidRegistration};
use domain::ids::LoginId;
use domain::status::Channel;
use std::sync::OnceLock;

/// An account without its password hash.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Account {
    pub id: String,
    pub full_name: String,
    pub email: String,
    pub phone: String,
    pub snils: Option<String>,
    pub inn: Option<String>,
    pub role: String,
    pub channel: String,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Account {
    pub fn is_staff(&self) -> bool {
        self.role == "staff"
    }

    pub fn channel(&self) -> Channel {
        Channel::from_code(&self.channel).unwrap_or(Channel::Email)
    }

    /// Where a code for `channel` goes.
    pub fn destination(&self, channel: Channel) -> &str {
        match channel {
            Channel::Email => &self.email,
            Channel::Sms => &self.phone,
        }
    }
}

const ACCOUNT_COLUMNS: &str =
    "id, full_name, email, phone, snils, inn, role, channel, confirmed_at, created_at";

/// Argon2 runs on at most half the cores at once (one on a 2-core machine): a burst of logins
/// queues for its turn instead of taking every core from the pages being served meanwhile.
/// Each login still costs the same; only how many run side by side is bounded.
async fn hashing_turn() -> StoreResult<tokio::sync::SemaphorePermit<'static>> {
    static TURNS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    TURNS
        .get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            tokio::sync::Semaphore::new((cores / 2).max(1))
        })
        .acquire()
        .await
        .map_err(|e| StoreError::Internal(format!("hashing turn: {e}")))
}

/// Hashes a password with argon2id (crate defaults: m=19 MiB, t=2, p=1) off the async threads.
pub async fn hash_password(password: String) -> StoreResult<String> {
    let _turn = hashing_turn().await?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| StoreError::Internal(format!("hashing task: {e}")))?
    .map_err(|e| StoreError::Internal(format!("hashing: {e}")))
}

/// Checks a password against a stored hash off the async threads.
pub async fn verify_password(password: String, hash: String) -> StoreResult<bool> {
    let _turn = hashing_turn().await?;
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash)
            .map_err(|e| StoreError::Internal(format!("stored hash: {e}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| StoreError::Internal(format!("verify task: {e}")))?
}

/// A hash to verify against when the login is unknown, so the answer takes as long either way.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(b"dummy password for timing", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// What a login attempt ends with when it does not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedIn {
    pub account: Account,
}

pub const WRONG_CREDENTIALS: &str = "Неверный логин или пароль";

impl Store {
    /// How many accounts there are (`server seed` writes demo logins only into an empty database).
    pub async fn account_count(&self) -> StoreResult<i64> {
        Ok(
            on_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(p)
            .await)?,
        )
    }

    pub async fn account(&self, id: &str) -> StoreResult<Account> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1");
        on_pool!(self, p => sqlx::query_as::<_, Account>(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(p).await)?
            .ok_or(StoreError::NotFound)
    }

    /// Whether `password` is the account's password (for steps that need it again).
    pub async fn check_password(&self, account_id: &str, password: &str) -> StoreResult<bool> {
        let hash: Option<String> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT password_hash FROM accounts WHERE id = $1",
        )
        .bind(account_id)
        .fetch_optional(p)
        .await)?;
        match hash {
            Some(h) if !password.is_empty() => verify_password(password.to_string(), h).await,
            _ => Ok(false),
        }
    }

    async fn account_by_login(&self, login: &LoginId) -> StoreResult<Option<(Account, String)>> {
        let (column, value) = match login {
            LoginId::Email(v) => ("email", v),
            LoginId::Phone(v) => ("phone", v),
            LoginId::Snils(v) => ("snils", v),
            LoginId::Inn(v) => ("inn", v),
        };
        // Registrations not yet confirmed may share a contact with each other and with a
        // confirmed account: the confirmed one is the login's, else the newest registration.
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE {column} = $1
             ORDER BY confirmed_at IS NULL, created_at DESC LIMIT 1"
        );
        let account = on_pool!(self, p => sqlx::query_as::<_, Account>(sqlx::AssertSqlSafe(sql.as_str())).bind(value).fetch_optional(p).await)?;
        let Some(account) = account else {
            return Ok(None);
        };
        let hash: String = on_pool!(self, p => sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1")
            .bind(&account.id)
            .fetch_one(p)
            .await)?;
        Ok(Some((account, hash)))
    }

    /// «Регистрация»: checks every field and stores the account unconfirmed. The answer is the same
    /// whether or not its e-mail, phone, СНИЛС or ИНН belong to a confirmed account already: an
    /// unconfirmed account holds none of them (they are unique among confirmed accounts only),
    /// so nobody can reserve another's СНИЛС. Where they are taken, the confirmation «code» sent
    /// is a notice instead ([`Store::send_code`]) and the owners hear of the attempt by their own
    /// contact; confirming is where a clash would be refused. Every attempt from an address is
    /// counted. An unconfirmed account older than a day is removed when its identifiers come up.
    pub async fn register(&self, form: &Registration, ip: &str) -> StoreResult<Account> {
        let v: ValidRegistration = form.validate().map_err(StoreError::Invalid)?;
        let ip_key = format!("register:{ip}");
        let hour = Duration::hours(1);
        let limit = self.config().registrations_per_ip_hour;
        if let Attempt::Blocked { minutes } = self.throttle_take(&ip_key, limit, hour, hour).await?
        {
            return Err(StoreError::Refused(format!(
                "Слишком много регистраций с вашего адреса. Попробуйте через {minutes} мин."
            )));
        }
        let now = self.now();
        on_pool!(self, p => sqlx::query(
            "DELETE FROM accounts WHERE confirmed_at IS NULL AND created_at < $1
               AND (email = $2 OR phone = $3 OR snils = $4 OR inn = $5)",
        )
        .bind(now - Duration::days(1))
        .bind(&v.email)
        .bind(&v.phone)
        .bind(&v.snils)
        .bind(&v.inn)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
        let hash = hash_password(v.password.clone()).await?;
        let id = new_id();
        on_pool!(self, p => sqlx::query(
            "INSERT INTO accounts (id, full_name, email, phone, snils, inn, password_hash, role, channel, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'user', $8, $9)",
        )
        .bind(&id)
        .bind(&v.full_name)
        .bind(&v.email)
        .bind(&v.phone)
        .bind(&v.snils)
        .bind(&v.inn)
        .bind(&hash)
        .bind(v.channel.code())
        .bind(now)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
        self.journal(Entry {
            account_id: Some(&id),
            action: "account.registered",
            object_type: "account",
            object_id: &id,
            ip,
            ..Default::default()
        })
        .await?;
        let account = self.account(&id).await?;
        // Off the request: the answer must not take longer only when the data are taken.
        let (store, pending) = (self.clone(), account.clone());
        self.off_request("the owners of registration data told", async move {
            store.tell_owners_of_registration(&pending).await
        })
        .await;
        Ok(account)
    }

    /// The confirmed accounts other than `account` that hold its e-mail, phone, СНИЛС or ИНН:
    /// their id, ФИО and e-mail.
    pub(crate) async fn identifier_owners(
        &self,
        account: &Account,
    ) -> StoreResult<Vec<(String, String, String)>> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT id, full_name, email FROM accounts
             WHERE confirmed_at IS NOT NULL AND id <> $1
               AND (email = $2 OR phone = $3 OR snils = $4 OR inn = $5)",
        )
        .bind(&account.id)
        .bind(&account.email)
        .bind(&account.phone)
        .bind(&account.snils)
        .bind(&account.inn)
        .fetch_all(p)
        .await)?)
    }

    /// Tells each confirmed owner of the new registration's identifiers, by their own e-mail,
    /// that someone registered with them, and journals it on their account. The owner whose
    /// e-mail the registration gave hears it from the confirmation notice itself. A notice that
    /// cannot be sent is logged: the registration's answer must not differ for taken identifiers.
    async fn tell_owners_of_registration(&self, account: &Account) -> StoreResult<()> {
        for (owner_id, name, email) in self.identifier_owners(account).await? {
            self.journal(Entry {
                account_id: Some(&owner_id),
                action: "account.registration_attempt",
                object_type: "account",
                object_id: &owner_id,
                ..Default::default()
            })
            .await?;
            if email.is_empty() || (email == account.email && account.channel() == Channel::Email) {
                continue;
            }
            let message = Message {
                channel: Channel::Email,
                to: email,
                subject: "Попытка регистрации с вашими данными".into(),
                body: format!(
                    "Здравствуйте, {name}!\n\nКто-то начал регистрацию в Кабинете страхователя с вашими \
                     данными (e-mail, телефон, СНИЛС или ИНН). Учётная запись уже есть у вас, новая не будет \
                     создана.\n\nЕсли это были вы, войдите или восстановите пароль. Если нет, ничего делать \
                     не нужно; при сомнениях смените пароль в разделе «Безопасность».\n\nКабинет страхователя"
                ),
            };
            if let Err(e) = self.notify(&message).await {
                tracing::warn!(error = %e, "the notice of a registration with taken identifiers was not sent");
            }
        }
        Ok(())
    }

    /// «Вход»: by e-mail, phone, СНИЛС or ИНН and password. Every attempt is counted before the
    /// password is checked, in one statement per key ([`Store::throttle_take`]), so guesses sent
    /// side by side are counted too: per account, however its login is typed (e-mail, phone,
    /// СНИЛС and ИНН share one count), and per IP. Past the limit a block says for how long; an
    /// unknown login is counted and answered the same way.
    pub async fn login(&self, login: &str, password: &str, ip: &str) -> StoreResult<LoggedIn> {
        let mut errors = FieldErrors::new();
        let id = errors.check("login", domain::ids::login_id(login));
        if password.is_empty() {
            errors.add("password", "Введите пароль");
        }
        let Some(id) = id.filter(|_| errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        let cfg = self.config().clone();
        let found = self.account_by_login(&id).await?;
        let account_key = match &found {
            Some((account, _)) => login_throttle_key(&account.id),
            None => format!("login-unknown:{}", login_key(&id)),
        };
        let ip_key = format!("ip:{ip}");
        for (key, limit) in [
            (&ip_key, cfg.login_failures_per_ip),
            (&account_key, cfg.login_failures_per_account),
        ] {
            if let Attempt::Blocked { minutes } = self
                .throttle_take(key, limit, cfg.login_window, cfg.login_block)
                .await?
            {
                return Err(StoreError::Refused(format!(
                    "Слишком много неудачных попыток входа. Вход временно заблокирован, попробуйте через {minutes} мин. \
                     или восстановите пароль"
                )));
            }
        }
        let hash = found
            .as_ref()
            .map(|(_, h)| h.clone())
            .unwrap_or_else(|| dummy_hash().to_string());
        let ok = verify_password(password.to_string(), hash).await? && found.is_some();
        match found {
            Some((account, _)) if ok => {
                self.throttle_clear(&account_key).await?;
                // A right password from this address is no failure of it.
                self.throttle_refund(&ip_key, cfg.login_failures_per_ip)
                    .await?;
                self.journal(Entry {
                    account_id: Some(&account.id),
                    action: "login.success",
                    object_type: "account",
                    object_id: &account.id,
                    ip,
                    ..Default::default()
                })
                .await?;
                Ok(LoggedIn { account })
            }
            found => {
                let account_id = found.as_ref().map(|(a, _)| a.id.as_str());
                self.journal(Entry {
                    account_id,
                    action: "login.failed",
                    object_type: "account",
                    object_id: account_id.unwrap_or(""),
                    ip,
                    ..Default::default()
                })
                .await?;
                Err(StoreError::Refused(WRONG_CREDENTIALS.into()))
            }
        }
    }

    /// The confirmation step of a session that is still unconfirmed: the code sent to the
    /// account confirms it, and the session moves on under a new token (answered, for the
    /// cookie). A session at any other stage is "not found": this step proves only the contact.
    pub async fn confirm_session(
        &self,
        session: &crate::sessions::SessionInfo,
        code: &str,
        ip: &str,
    ) -> StoreResult<String> {
        if session.stage != crate::sessions::Stage::Unconfirmed {
            return Err(StoreError::NotFound);
        }
        self.confirm_account(&session.account_id, code, ip).await?;
        self.advance_session(session, crate::sessions::Stage::Unconfirmed)
            .await
    }

    /// Confirms the account with the code sent to it, then links it to its policyholder record.
    /// An account confirmed already is refused: the code proves nothing more.
    pub async fn confirm_account(
        &self,
        account_id: &str,
        code: &str,
        ip: &str,
    ) -> StoreResult<Account> {
        let account = self.account(account_id).await?;
        if account.confirmed_at.is_some() {
            return Err(StoreError::Refused(
                "Учётная запись уже подтверждена".into(),
            ));
        }
        let channel = self
            .verify_code(account_id, crate::codes::Purpose::Confirm, code)
            .await?;
        let now = self.now();
        // The identifiers are bound here: unique among confirmed accounts, so a registration
        // that another confirmed first is refused (the code proved only the contact).
        let confirmed = on_pool!(self, p => sqlx::query("UPDATE accounts SET confirmed_at = $1 WHERE id = $2 AND confirmed_at IS NULL")
            .bind(now)
            .bind(account_id)
            .execute(p)
            .await.map(|r| r.rows_affected()));
        match confirmed {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::field("code", IDENTIFIERS_TAKEN));
            }
            Err(e) => return Err(e.into()),
        }
        self.link_self_policyholder(&account, channel).await?;
        self.journal(Entry {
            account_id: Some(account_id),
            action: "account.confirmed",
            object_type: "account",
            object_id: account_id,
            ip,
            details: channel.code(),
            ..Default::default()
        })
        .await?;
        self.account(account_id).await
    }
}

/// A confirmation that another account's confirmation beat: the same words for every identifier.
pub const IDENTIFIERS_TAKEN: &str =
    "Учётная запись с такими данными уже подтверждена. Войдите или восстановите доступ";

/// The key that counts an account's login attempts, whichever of its logins is typed.
pub(crate) fn login_throttle_key(account_id: &str) -> String {
    format!("login:{account_id}")
}

/// An unknown login as a throttling key: what was typed, normalised.
fn login_key(id: &LoginId) -> String {
    match id {
        LoginId::Email(v) | LoginId::Phone(v) | LoginId::Snils(v) | LoginId::Inn(v) => v.clone(),
    }
}

//! «Восстановление доступа без подтверждения»: for a person who can use neither the e-mail nor
//! the phone of their account. They apply with ФИО, СНИЛС or ИНН, the number of their last policy
//! and another contact; the application gets a number and a status they can look up by the
//! number and that contact. The answer is the same whether or not the data fit an account (what
//! matched is recorded for staff only). Staff approve with a new contact, which replaces the
//! account's e-mail or phone, or reject with a reason; the applicant is told through the contact
//! they gave. An approval sends a one-time link (its token stored as a SHA-256 hash, valid 24
//! hours, single use) to set a new password; then every session of the account ends, its iCal
//! feed links stop working and its second factor is off, since the person may have lost that too.

use crate::journal::Entry;
use crate::profile::{Filing, mask_value};
use crate::throttle::Attempt;
use crate::{Message, Store, StoreError, StoreResult, new_id, on_pool};
use chrono::{Datelike, Duration};
use domain::forms::AccessRequestForm;
use domain::model::{AccessRequestRow, AccessStatusView};
use domain::status::{Channel, ProfileField};
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

/// How long the link to set a new password works.
pub const LINK_HOURS: i64 = 24;
/// Applications from one IP address in an hour before it is blocked for an hour.
const APPLICATIONS_PER_IP_HOUR: i32 = 10;
/// Status look-ups that found nothing, from one IP address in an hour, before a block.
const LOOKUP_MISSES_PER_IP_HOUR: i32 = 20;

pub const NO_SUCH_APPLICATION: &str = "Заявка с таким номером и контактом не найдена. Проверьте номер из сообщения и контакт, указанный в заявке";
pub const BAD_LINK: &str = "Ссылка недействительна: она уже использована, устарела или скопирована не целиком. Если пароль ещё не задан, подайте заявку ещё раз";

/// What the page of a one-time link shows before the new password is typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLink {
    pub number: String,
    /// The account's login after the approval (the new contact), masked.
    pub login: String,
}

fn link_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// An application number as typed: trimmed, in capitals (`вд-2026-000123` is `ВД-2026-000123`).
fn normalise_number(input: &str) -> String {
    input
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[derive(sqlx::FromRow)]
struct Pending {
    number: String,
    account_id: Option<String>,
    contact: String,
    contact_channel: String,
}

/// What a staff member whose second factor is not fresh is told on approving an application.
pub const STALE_FACTOR: &str =
    "Введите код из приложения-аутентификатора: одобрение заявки требует свежего подтверждения";

impl Store {
    /// Files an application; answers its number. The same answer whether the data fit an
    /// account or not; the applicant's contact gets the number either way.
    pub async fn submit_access_request(
        &self,
        form: &AccessRequestForm,
        ip: &str,
    ) -> StoreResult<String> {
        let v = form.validate().map_err(StoreError::Invalid)?;
        let ip_key = format!("access:{ip}");
        let hour = Duration::hours(1);
        if let Attempt::Blocked { minutes } = self
            .throttle_take(&ip_key, APPLICATIONS_PER_IP_HOUR, hour, hour)
            .await?
        {
            return Err(StoreError::Refused(format!(
                "Слишком много заявок с вашего адреса. Попробуйте через {minutes} мин."
            )));
        }

        // What fits, for staff: the account of this СНИЛС or ИНН, its ФИО, its own policy.
        let account: Option<(String, String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, full_name, email FROM accounts WHERE confirmed_at IS NOT NULL
               AND ((snils IS NOT NULL AND snils = $1) OR (inn IS NOT NULL AND inn = $2))
             ORDER BY created_at LIMIT 1",
        )
        .bind(&v.snils)
        .bind(&v.inn)
        .fetch_optional(p)
        .await)?;
        let (match_name, match_policy) = match &account {
            Some((id, name, _)) => {
                let own: i64 = on_pool!(self, p => sqlx::query_scalar(
                    "SELECT COUNT(*) FROM policies p JOIN authorities a ON a.policyholder_id = p.policyholder_id
                     WHERE p.number = $1 AND a.account_id = $2 AND a.role = 'self'",
                )
                .bind(&v.policy_number)
                .bind(id)
                .fetch_one(p)
                .await)?;
                (domain::person::same_name(name, &v.full_name), own > 0)
            }
            None => (false, false),
        };
        let account_id = account.as_ref().map(|a| a.0.clone());
        let id = new_id();
        let now = self.now();
        let year = self.today().year();
        let mut number = String::new();
        for attempt in 0..8 {
            number = format!(
                "ВД-{year}-{:06}",
                rand::rngs::OsRng.gen_range(0..1_000_000u32)
            );
            let inserted = on_pool!(self, p => sqlx::query(
                "INSERT INTO access_requests (id, number, full_name, snils, inn, policy_number, contact, contact_channel,
                     account_id, match_name, match_policy, status, ip, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'review', $12, $13)",
            )
            .bind(&id).bind(&number).bind(&v.full_name).bind(&v.snils).bind(&v.inn).bind(&v.policy_number)
            .bind(&v.contact).bind(v.channel.code()).bind(&account_id).bind(match_name).bind(match_policy)
            .bind(ip).bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()));
            match inserted {
                Ok(_) => break,
                // Another application has this number: draw again.
                Err(e) if is_unique_violation(&e) && attempt < 7 => continue,
                Err(e) => return Err(e.into()),
            }
        }
        self.notify(&Message {
            channel: v.channel,
            to: v.contact.clone(),
            subject: format!("Заявка {number} на восстановление доступа принята"),
            body: format!(
                "Заявка № {number} на восстановление доступа к Кабинету страхователя принята. \
                 Её рассмотрит сотрудник страховщика, решение придёт сюда же. Статус можно узнать \
                 на странице «Восстановление доступа» → «Узнать статус заявки» по номеру заявки и этому контакту.\n\n\
                 Если вы не подавали заявку, ничего делать не нужно."
            ),
        })
        .await?;
        if let Some((account_id, _, email)) = &account {
            self.journal(Entry {
                account_id: Some(account_id),
                action: "access.requested",
                object_type: "access_request",
                object_id: &id,
                ip,
                details: &number,
                ..Default::default()
            })
            .await?;
            // The owner hears of it at the contact on record: if it is not them, they can say so.
            let notice = Message {
                channel: Channel::Email,
                to: email.clone(),
                subject: "Кабинет страхователя: заявка на восстановление доступа".into(),
                body: format!(
                    "Подана заявка № {number} на восстановление доступа к вашей учётной записи без \
                     подтверждения по e-mail или телефону. Её проверит сотрудник страховщика. Если \
                     заявку подали не вы, сообщите страховщику."
                ),
            };
            if let Err(e) = self.notify(&notice).await {
                tracing::warn!(error = %e, "access request notice not sent");
            }
        }
        Ok(number)
    }

    /// «Узнать статус заявки»: by the number and the contact given in the application. Misses
    /// are counted per IP, so numbers cannot be tried in bulk.
    pub async fn access_request_status(
        &self,
        number: &str,
        contact: &str,
        ip: &str,
    ) -> StoreResult<AccessStatusView> {
        let mut errors = domain::FieldErrors::new();
        let number = normalise_number(number);
        if number.is_empty() {
            errors.add(
                "number",
                "Укажите номер заявки из сообщения, например ВД-2026-000123",
            );
        }
        let contact = errors.check("contact", domain::ids::contact(contact));
        let Some((_, contact)) = contact.filter(|_| errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        // Every lookup is counted before it is made, so parallel guesses are counted too; one
        // that finds the application takes its count back: only misses add up.
        let ip_key = format!("access-status:{ip}");
        let hour = Duration::hours(1);
        if let Attempt::Blocked { minutes } = self
            .throttle_take(&ip_key, LOOKUP_MISSES_PER_IP_HOUR, hour, hour)
            .await?
        {
            return Err(StoreError::Refused(format!(
                "Слишком много неудачных запросов. Попробуйте через {minutes} мин."
            )));
        }
        let found = on_pool!(self, p => sqlx::query_as::<_, AccessStatusView>(
            "SELECT number, status, reason, created_at, decided_at FROM access_requests
             WHERE number = $1 AND contact = $2",
        )
        .bind(&number)
        .bind(&contact)
        .fetch_optional(p)
        .await)?;
        match found {
            Some(v) => {
                self.throttle_refund(&ip_key, LOOKUP_MISSES_PER_IP_HOUR)
                    .await?;
                Ok(v)
            }
            None => Err(StoreError::field("number", NO_SUCH_APPLICATION)),
        }
    }

    /// The applications that matched the account, newest first (for «Выгрузить мои данные»).
    pub async fn access_requests_of(&self, account_id: &str) -> StoreResult<Vec<AccessStatusView>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, AccessStatusView>(
            "SELECT number, status, reason, created_at, decided_at FROM access_requests
             WHERE account_id = $1 ORDER BY created_at DESC LIMIT 100",
        )
        .bind(account_id)
        .fetch_all(p)
        .await)?)
    }

    /// Staff: the applications waiting for a decision, oldest first, with what matched.
    pub async fn staff_access_requests(
        &self,
        staff_id: &str,
    ) -> StoreResult<Vec<AccessRequestRow>> {
        self.require_staff(staff_id).await?;
        Ok(on_pool!(self, p => sqlx::query_as::<_, AccessRequestRow>(
            "SELECT r.id, r.number, r.full_name, r.snils, r.inn, r.policy_number, r.contact,
                    a.full_name AS account_name, a.email AS account_email, a.phone AS account_phone,
                    r.match_name, r.match_policy, r.created_at
             FROM access_requests r LEFT JOIN accounts a ON a.id = r.account_id
             WHERE r.status = 'review' ORDER BY r.created_at, r.id LIMIT 100",
        )
        .fetch_all(p)
        .await)?)
    }

    async fn pending_application(&self, id: &str) -> StoreResult<Pending> {
        on_pool!(self, p => sqlx::query_as::<_, Pending>(
            "SELECT number, account_id, contact, contact_channel FROM access_requests
             WHERE id = $1 AND status = 'review'",
        )
        .bind(id)
        .fetch_optional(p)
        .await)?
        .ok_or(StoreError::NotFound)
    }

    /// Staff: approves an application. `new_contact` (an e-mail or a phone) replaces the
    /// account's e-mail or phone; every session of the account ends; the applicant gets a
    /// one-time link to `{link_base}/recover/manual/password?token=…` at their contact. It hands
    /// an account to whoever applied, so it needs a fresh second factor of the staff member
    /// (passed within [`crate::profile::FRESH_FACTOR_MINUTES`]), asked for as the field `code`.
    pub async fn staff_approve_access(
        &self,
        staff: &crate::sessions::SessionInfo,
        id: &str,
        new_contact: &str,
        link_base: &str,
        ip: &str,
    ) -> StoreResult<()> {
        let staff_id = staff.account_id.as_str();
        self.require_staff(staff_id).await?;
        if !self.fresh_second_factor(staff) {
            return Err(StoreError::field("code", STALE_FACTOR));
        }
        let (channel, contact) = domain::ids::contact(new_contact)
            .map_err(|m| StoreError::field("new_contact", format!("Новый контакт: {m}")))?;
        let app = self.pending_application(id).await?;
        let Some(account_id) = app.account_id.clone() else {
            return Err(StoreError::Refused(
                "Заявка не сопоставлена ни с одной учётной записью: одобрить её нельзя, только отклонить".into(),
            ));
        };
        let account = self.account(&account_id).await?;
        let (column, old) = match channel {
            Channel::Email => ("email", account.email.clone()),
            Channel::Sms => ("phone", account.phone.clone()),
        };
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let token = hex::encode(raw);
        let now = self.now();
        // In an async block, so that a unique violation comes here rather than out of the function.
        let result = on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            let claimed = sqlx::query(
                "UPDATE access_requests SET status = 'approved', new_contact = $1, decided_by = $2, decided_at = $3,
                     link_hash = $4, link_expires_at = $5
                 WHERE id = $6 AND status = 'review'",
            )
            .bind(&contact).bind(staff_id).bind(now).bind(link_hash(&token)).bind(now + Duration::hours(LINK_HOURS)).bind(id)
            .execute(&mut *tx).await?.rows_affected();
            if claimed == 1 {
                sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE accounts SET {column} = $1 WHERE id = $2")))
                    .bind(&contact).bind(&account_id)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await.map(|()| claimed)
        }.await);
        match result {
            Ok(1) => {}
            Ok(_) => return Err(StoreError::NotFound),
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::field(
                    "new_contact",
                    "Этот контакт уже указан в другой учётной записи",
                ));
            }
            Err(e) => return Err(e.into()),
        }
        self.end_all_sessions(&account_id).await?;
        // Feed links copied before go with the sessions (whoever had them may be who locked the
        // owner out).
        self.revoke_calendar_tokens(&account_id, ip).await?;
        let reason = format!("по заявке на восстановление доступа № {}", app.number);
        let field = match channel {
            Channel::Email => ProfileField::Email,
            Channel::Sms => ProfileField::Phone,
        };
        if old != contact {
            self.file_change(Filing {
                account_id: &account_id,
                field,
                old: Some(&old),
                new: &contact,
                status: "applied",
                reason: &reason,
                by: crate::profile::BY_STAFF,
                scan: None,
            })
            .await?;
        }
        for (who, object) in [(staff_id, id), (account_id.as_str(), id)] {
            self.journal(Entry {
                account_id: Some(who),
                action: "access.approved",
                object_type: "access_request",
                object_id: object,
                ip,
                details: &app.number,
                ..Default::default()
            })
            .await?;
        }
        let link = format!(
            "{}/recover/manual/password?token={token}",
            link_base.trim_end_matches('/')
        );
        self.notify(&Message {
            channel: Channel::from_code(&app.contact_channel).unwrap_or(Channel::Email),
            to: app.contact.clone(),
            subject: format!("Заявка {} одобрена", app.number),
            body: format!(
                "Заявка № {} на восстановление доступа одобрена. Задайте новый пароль по ссылке \
                 (она действует {LINK_HOURS} часа и только один раз):\n{link}\n\n\
                 Входите по {}: теперь этот контакт указан в учётной записи.",
                app.number,
                mask_value(field, Some(&contact))
            ),
        })
        .await?;
        // The contact that was replaced hears of it, as with any contact change.
        if old != contact {
            let notice = Message {
                channel,
                to: old,
                subject: "Кабинет страхователя: изменены контактные данные".into(),
                body: format!(
                    "В вашей учётной записи изменено поле «{}» {reason}. Если заявку подали не вы, \
                     срочно обратитесь к страховщику.",
                    field.label()
                ),
            };
            if let Err(e) = self.notify(&notice).await {
                tracing::warn!(error = %e, "change notice not sent");
            }
        }
        Ok(())
    }

    /// Staff: rejects an application with a reason, which the applicant is told.
    pub async fn staff_reject_access(
        &self,
        staff_id: &str,
        id: &str,
        reason: &str,
        ip: &str,
    ) -> StoreResult<()> {
        self.require_staff(staff_id).await?;
        let reason = reason.trim();
        if reason.chars().count() < 3 {
            return Err(StoreError::field("reason", "Укажите причину отказа"));
        }
        let app = self.pending_application(id).await?;
        let claimed = on_pool!(self, p => sqlx::query(
            "UPDATE access_requests SET status = 'rejected', reason = $1, decided_by = $2, decided_at = $3
             WHERE id = $4 AND status = 'review'",
        )
        .bind(reason).bind(staff_id).bind(self.now()).bind(id)
        .execute(p).await.map(|r| r.rows_affected()))?;
        if claimed != 1 {
            return Err(StoreError::NotFound);
        }
        let mut journals = vec![staff_id];
        journals.extend(app.account_id.as_deref());
        for who in journals {
            self.journal(Entry {
                account_id: Some(who),
                action: "access.rejected",
                object_type: "access_request",
                object_id: id,
                ip,
                details: &app.number,
                ..Default::default()
            })
            .await?;
        }
        self.notify(&Message {
            channel: Channel::from_code(&app.contact_channel).unwrap_or(Channel::Email),
            to: app.contact.clone(),
            subject: format!("Заявка {} отклонена", app.number),
            body: format!(
                "Заявка № {} на восстановление доступа отклонена. Причина: {reason}\n\n\
                 Можно подать новую заявку с верными данными или обратиться к страховщику лично.",
                app.number
            ),
        })
        .await
    }

    /// The one-time link, if it still works: not used, not expired.
    pub async fn access_link(&self, token: &str) -> StoreResult<AccessLink> {
        let row: Option<(String, Option<String>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT number, new_contact FROM access_requests
             WHERE link_hash = $1 AND status = 'approved' AND link_used_at IS NULL AND link_expires_at > $2",
        )
        .bind(link_hash(token))
        .bind(self.now())
        .fetch_optional(p)
        .await)?;
        match row {
            Some((number, contact)) if !token.trim().is_empty() => Ok(AccessLink {
                number,
                login: domain::ids::mask_contact(&contact.unwrap_or_default()),
            }),
            _ => Err(StoreError::Refused(BAD_LINK.into())),
        }
    }

    /// Sets the new password by the one-time link (twice, under the password policy). The link
    /// is spent; every session of the account ends and its second factor is turned off; both
    /// contacts are told.
    pub async fn finish_access_link(
        &self,
        token: &str,
        password: &str,
        password2: &str,
        ip: &str,
    ) -> StoreResult<()> {
        self.access_link(token).await?;
        let mut errors = domain::FieldErrors::new();
        domain::password::check_new(&mut errors, password, password2);
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let hash = crate::accounts::hash_password(password.to_string()).await?;
        let now = self.now();
        // Spent and the password set together: of two parallel uses only one gets through.
        let spent: Option<(String, String)> = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let row: Option<(String, String)> = sqlx::query_as(
                "UPDATE access_requests SET link_used_at = $1, status = 'done'
                 WHERE link_hash = $2 AND status = 'approved' AND link_used_at IS NULL AND link_expires_at > $1
                   AND account_id IS NOT NULL
                 RETURNING account_id, number",
            )
            .bind(now).bind(link_hash(token))
            .fetch_optional(&mut *tx).await?;
            if let Some((account_id, _)) = &row {
                sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
                    .bind(&hash).bind(account_id)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await.map(|()| row)
        })?;
        let Some((account_id, number)) = spent else {
            return Err(StoreError::Refused(BAD_LINK.into()));
        };
        self.end_all_sessions(&account_id).await?;
        self.revoke_calendar_tokens(&account_id, ip).await?;
        let had_factor = self.factor_method(&account_id).await?.is_some();
        if had_factor {
            self.turn_factors_off(&account_id, "восстановление доступа", ip)
                .await?;
        }
        let account = self.account(&account_id).await?;
        self.throttle_clear(&crate::accounts::login_throttle_key(&account_id))
            .await?;
        self.journal(Entry {
            account_id: Some(&account_id),
            action: "access.restored",
            object_type: "account",
            object_id: &account_id,
            ip,
            details: &number,
            ..Default::default()
        })
        .await?;
        let when = domain::dates::format_datetime(now);
        let factor = if had_factor {
            " Двухфакторная защита отключена — включите её снова в разделе «Безопасность»."
        } else {
            ""
        };
        let text = format!(
            "Пароль от Кабинета страхователя задан {when} (МСК) по ссылке из заявки № {number}. \
             Все сеансы завершены.{factor} Если это были не вы, срочно обратитесь к страховщику."
        );
        self.tell_password_changed(&account, &text).await;
        Ok(())
    }
}

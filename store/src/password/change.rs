//! «Сменить пароль» in «Безопасность».

use crate::journal::Entry;
use crate::sessions::{SessionInfo, hash_token};
use crate::{Message, Store, StoreError, StoreResult, on_pool};
use domain::FieldErrors;
use domain::status::Channel;
use rand::RngCore;

impl Store {
    /// Changes the password of the session's account: the current one (field `old_password`,
    /// through [`Store::check_password_limited`]), the new one twice (`new_password`,
    /// `new_password2`, under `domain::password`, and not the current one). On success every other session of the
    /// account ends and this session's id rotates, in the transaction that sets the new hash;
    /// answers the new token for the cookie. The contacts are told and the journal gets a line.
    pub async fn change_password(
        &self,
        session: &SessionInfo,
        old_password: &str,
        password: &str,
        password2: &str,
        ip: &str,
    ) -> StoreResult<String> {
        let account_id = session.account_id.as_str();
        let mut errors = FieldErrors::new();
        if old_password.is_empty() {
            errors.add("old_password", "Введите текущий пароль");
        }
        // Field names of their own: the page also has the password field of «Двухфакторная защита».
        errors.check("new_password", domain::password::check(password));
        errors.check(
            "new_password2",
            domain::password::check_repeat(password, password2),
        );
        if errors.get("new_password").is_none() && password == old_password {
            errors.add(
                "new_password",
                "Новый пароль совпадает с текущим: придумайте другой",
            );
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        match self
            .check_password_limited(account_id, old_password, ip)
            .await
        {
            Ok(()) => {}
            Err(StoreError::Invalid(e)) => {
                let message = e
                    .get("password")
                    .unwrap_or("Неверный текущий пароль")
                    .replacen("Неверный пароль", "Неверный текущий пароль", 1);
                return Err(StoreError::field("old_password", message));
            }
            Err(e) => return Err(e),
        }
        let hash = crate::accounts::hash_password(password.to_string()).await?;
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let token = hex::encode(raw);
        // The new hash, the other sessions ended and this one's new id: all or nothing. A session
        // ended meanwhile (from another device) leaves the password as it was.
        let (rotated, ended) = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
                .bind(&hash)
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            let ended = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND id_hash <> $2")
                .bind(account_id)
                .bind(&session.id_hash)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let rotated = sqlx::query("UPDATE sessions SET id_hash = $1 WHERE id_hash = $2 AND account_id = $3")
                .bind(hash_token(&token))
                .bind(&session.id_hash)
                .bind(account_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if rotated == 1 {
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            Ok::<(u64, u64), sqlx::Error>((rotated, ended))
        })?;
        if rotated != 1 {
            return Err(StoreError::Refused(
                "Сеанс уже завершён, пароль не изменён. Войдите снова".into(),
            ));
        }
        self.journal(Entry {
            account_id: Some(account_id),
            action: "password.changed",
            object_type: "account",
            object_id: account_id,
            ip,
            details: &ended.to_string(),
            ..Default::default()
        })
        .await?;
        let account = self.account(account_id).await?;
        let when = domain::dates::format_datetime(self.now());
        let text = format!(
            "Пароль от Кабинета страхователя изменён {when} (МСК) в разделе «Безопасность». \
             Другие сеансы завершены. Если это были не вы, восстановите доступ через «Забыли пароль» \
             и обратитесь к страховщику."
        );
        self.tell_password_changed(&account, &text).await;
        Ok(token)
    }

    /// Tells the account's e-mail and phone that its password was changed (`text` says how and
    /// when). The password has changed already: a notice that cannot be sent is logged, never an
    /// error that would tell the user the change failed.
    pub(crate) async fn tell_password_changed(
        &self,
        account: &crate::accounts::Account,
        text: &str,
    ) {
        for (channel, to) in [
            (Channel::Email, &account.email),
            (Channel::Sms, &account.phone),
        ] {
            if to.is_empty() {
                continue;
            }
            let notice = Message {
                channel,
                to: to.clone(),
                subject: "Пароль изменён".into(),
                body: text.to_string(),
            };
            if let Err(e) = self.notify(&notice).await {
                tracing::warn!(error = %e, channel = channel.code(), "password change notice not sent");
            }
        }
    }
}

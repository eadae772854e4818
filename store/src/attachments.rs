//! Attached files. An upload is checked by its content ([`domain::files::check_content`]) and kept
//! under its uploader's account, unlinked; the feature that takes it (a report, a request, a
//! message) links it to its object and to the policyholder the object is about, after checking
//! the caller's authority over that object. A file is downloadable by its uploader, by anyone with
//! authority over the linked policyholder, and by staff; by anyone else it is "not found".
//!
//! Each account has two upload quotas, keyed on the session's account (never on anything the
//! client sends): at most [`MAX_UPLOADS_PER_HOUR`] uploads in an hour-long window, and at most
//! [`MAX_UNLINKED_BYTES`] of files not linked yet. Both are checked in the upload's own
//! transaction: its first statement is the conditional upsert of the account's `upload_quota`
//! row, which holds that row (PostgreSQL) or the database (SQLite) until the commit, so the
//! conditional insert of the file after it sees every earlier upload of the account, and
//! parallel uploads cannot pass either cap.

use crate::{Store, StoreError, StoreResult, on_pool};
use chrono::{DateTime, Duration, Utc};
use domain::files::{
    Attachment, MAX_UNLINKED_BYTES, MAX_UPLOADS_PER_HOUR, check_content, clean_name, format_size,
};
use sha2::{Digest, Sha256};

/// Unlinked uploads older than this are removed.
const UNLINKED_TTL_HOURS: i64 = 24;
/// The window of [`MAX_UPLOADS_PER_HOUR`].
const UPLOAD_WINDOW_MINUTES: i64 = 60;

/// Which quota refused an upload.
enum Over {
    Rate,
    Bytes,
}

impl Store {
    /// Keeps an uploaded file for `account_id` after checking its content and the account's
    /// quotas (see the module's note); the error names the file under `field`, or the quota.
    pub async fn upload_attachment(
        &self,
        account_id: &str,
        field: &str,
        name: &str,
        bytes: &[u8],
    ) -> StoreResult<Attachment> {
        let kind = check_content(name, bytes).map_err(|m| StoreError::field(field, m))?;
        let file = Attachment {
            id: uuid::Uuid::new_v4().simple().to_string(),
            name: clean_name(name),
            mime: kind.mime().to_string(),
            size: bytes.len() as i64,
        };
        let sha = hex::encode(Sha256::digest(bytes));
        let now = self.now();
        let window_open = now - Duration::minutes(UPLOAD_WINDOW_MINUTES);
        let max_bytes = i64::try_from(MAX_UNLINKED_BYTES).unwrap_or(i64::MAX);
        let over = on_pool!(self, p => {
            let mut tx = p.begin().await?;
            // One more upload in the window (a new window once the old one is an hour old),
            // unless the window is full. Holds the account's row until the commit.
            let counted = sqlx::query(
                "INSERT INTO upload_quota (account_id, window_start, uploads) VALUES ($1, $2, 1)
                 ON CONFLICT (account_id) DO UPDATE SET
                     uploads = CASE WHEN upload_quota.window_start <= $3 THEN 1 ELSE upload_quota.uploads + 1 END,
                     window_start = CASE WHEN upload_quota.window_start <= $3 THEN excluded.window_start ELSE upload_quota.window_start END
                 WHERE upload_quota.window_start <= $3 OR upload_quota.uploads < $4",
            )
            .bind(account_id).bind(now).bind(window_open).bind(MAX_UPLOADS_PER_HOUR)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let over = if counted == 0 {
                Some(Over::Rate)
            } else {
                let kept = sqlx::query(
                    "INSERT INTO attachments (id, account_id, name, mime, size, sha256, content, created_at)
                     SELECT $1, $2, $3, $4, $5, $6, $7, $8
                     WHERE (SELECT COALESCE(SUM(size), 0) FROM attachments
                            WHERE account_id = $2 AND owner IS NULL) + $5 <= $9",
                )
                .bind(&file.id).bind(account_id).bind(&file.name).bind(&file.mime).bind(file.size)
                .bind(&sha).bind(bytes).bind(now).bind(max_bytes)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                (kept == 0).then_some(Over::Bytes)
            };
            if over.is_none() {
                tx.commit().await?;
            }
            Ok::<_, sqlx::Error>(over)
        })?;
        match over {
            None => Ok(file),
            Some(Over::Rate) => Err(StoreError::TooMany(self.rate_message(account_id).await?)),
            Some(Over::Bytes) => Err(StoreError::TooMany(format!(
                "Слишком много загруженных файлов: ещё не приложенные к документам файлы \
                 не могут занимать больше {}, а с «{}» было бы больше. Отправьте начатую форму \
                 с ними или загрузите файл позже: неотправленные файлы удаляются через сутки",
                format_size(MAX_UNLINKED_BYTES),
                file.name
            ))),
        }
    }

    /// The refusal of an upload over [`MAX_UPLOADS_PER_HOUR`], with when the window ends.
    async fn rate_message(&self, account_id: &str) -> StoreResult<String> {
        let start: Option<DateTime<Utc>> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT window_start FROM upload_quota WHERE account_id = $1",
        )
        .bind(account_id)
        .fetch_optional(p)
        .await)?;
        let left = start
            .map(|s| (s + Duration::minutes(UPLOAD_WINDOW_MINUTES) - self.now()).num_seconds())
            .unwrap_or(0)
            .max(60);
        Ok(format!(
            "Слишком много загруженных файлов: можно загрузить не больше \
             {MAX_UPLOADS_PER_HOUR} файлов за час. Попробуйте через {} мин",
            (left + 59) / 60
        ))
    }

    /// Links files `account_id` uploaded to `owner` (e.g. `report:<id>`) about `policyholder_id`.
    /// Linking again to the same owner is a no-op (whoever uploaded the file), so a retried submission is safe; a file that
    /// is not the caller's own upload, or already belongs elsewhere, is "not found". The caller
    /// has checked its authority over the owner.
    pub async fn link_attachments(
        &self,
        account_id: &str,
        ids: &[String],
        policyholder_id: &str,
        owner: &str,
    ) -> StoreResult<Vec<Attachment>> {
        let mut linked = Vec::with_capacity(ids.len());
        for id in ids {
            // A file already linked to this owner stays linked whoever uploaded it (a draft
            // another representative of the policyholder began, then continued by this one).
            let done = on_pool!(self, p => sqlx::query(
                "UPDATE attachments SET owner = $1, policyholder_id = $2
                 WHERE id = $3 AND ((owner IS NULL AND account_id = $4) OR (owner = $1 AND policyholder_id = $2))",
            )
            .bind(owner).bind(policyholder_id).bind(id).bind(account_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
            if done == 0 {
                return Err(StoreError::NotFound);
            }
            linked.push(self.attachment_row(id).await?.0);
        }
        Ok(linked)
    }

    /// Whether every file of `ids` can be linked to `owner` by `account_id`: its own upload not
    /// linked yet, or a file already linked to `owner` about `policyholder_id`. Nothing is
    /// written; the error names `field`, so a form can mark it before anything is sent.
    pub async fn check_attachable(
        &self,
        account_id: &str,
        ids: &[String],
        policyholder_id: &str,
        owner: &str,
        field: &str,
    ) -> StoreResult<()> {
        for id in ids {
            let n: i64 = on_pool!(self, p => sqlx::query_scalar(
                "SELECT COUNT(*) FROM attachments
                 WHERE id = $1 AND ((owner IS NULL AND account_id = $2) OR (owner = $3 AND policyholder_id = $4))",
            )
            .bind(id).bind(account_id).bind(owner).bind(policyholder_id)
            .fetch_one(p)
            .await)?;
            if n == 0 {
                return Err(StoreError::field(
                    field,
                    "Файл не найден или уже приложен к другому документу: добавьте его ещё раз",
                ));
            }
        }
        Ok(())
    }

    /// The files of `ids` in that order, each either linked to `owner` or (for a draft whose
    /// last save did not link it yet) `account_id`'s own unlinked upload; others are left out.
    pub async fn attachments_in_order(
        &self,
        owner: &str,
        account_id: Option<&str>,
        ids: &[String],
    ) -> StoreResult<Vec<Attachment>> {
        let linked = self.attachments_of(owner).await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(f) = linked.iter().find(|f| f.id == *id) {
                out.push(f.clone());
                continue;
            }
            let Some(account) = account_id else { continue };
            match self.attachment_row(id).await {
                Ok((file, uploader, None)) if uploader == account => out.push(file),
                Ok(_) | Err(StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Removes the files linked to `owner` (a draft deleted before it was ever sent).
    pub async fn delete_attachments_of(&self, owner: &str) -> StoreResult<u64> {
        Ok(
            on_pool!(self, p => sqlx::query("DELETE FROM attachments WHERE owner = $1")
            .bind(owner)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?,
        )
    }

    /// The files linked to `owner`, in upload order.
    pub async fn attachments_of(&self, owner: &str) -> StoreResult<Vec<Attachment>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Attachment>(
            "SELECT id, name, mime, size FROM attachments WHERE owner = $1 ORDER BY created_at, id",
        )
        .bind(owner)
        .fetch_all(p)
        .await)?)
    }

    /// The caller's own uploads among `ids` (linked or not): what a draft shows of its files.
    pub async fn own_attachments(
        &self,
        account_id: &str,
        ids: &[String],
    ) -> StoreResult<Vec<Attachment>> {
        let mut files = Vec::with_capacity(ids.len());
        for id in ids {
            let (file, uploader, _) = match self.attachment_row(id).await {
                Ok(row) => row,
                Err(StoreError::NotFound) => continue,
                Err(e) => return Err(e),
            };
            if uploader == account_id {
                files.push(file);
            }
        }
        Ok(files)
    }

    async fn attachment_row(&self, id: &str) -> StoreResult<(Attachment, String, Option<String>)> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: String,
            name: String,
            mime: String,
            size: i64,
            account_id: String,
            policyholder_id: Option<String>,
        }
        let row = on_pool!(self, p => sqlx::query_as::<_, Row>(
            "SELECT id, name, mime, size, account_id, policyholder_id FROM attachments WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(p)
        .await)?
        .ok_or(StoreError::NotFound)?;
        Ok((
            Attachment {
                id: row.id,
                name: row.name,
                mime: row.mime,
                size: row.size,
            },
            row.account_id,
            row.policyholder_id,
        ))
    }

    /// A file's bytes for `account_id`, if it may have them (see the module's note).
    pub async fn attachment_content(
        &self,
        account_id: &str,
        id: &str,
    ) -> StoreResult<(Attachment, Vec<u8>)> {
        let (file, uploader, policyholder) = self.attachment_row(id).await?;
        let allowed = uploader == account_id
            || match &policyholder {
                Some(ph) => match self
                    .authorized_for(account_id, ph, domain::delegation::Need::Report)
                    .await
                {
                    Ok(_) => true,
                    Err(StoreError::NotFound) => false,
                    Err(e) => return Err(e),
                },
                None => false,
            }
            || match self.require_staff(account_id).await {
                Ok(()) => policyholder.is_some(),
                Err(StoreError::NotFound) => false,
                Err(e) => return Err(e),
            };
        if !allowed {
            return Err(StoreError::NotFound);
        }
        let content: Vec<u8> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT content FROM attachments WHERE id = $1",
        )
        .bind(id)
        .fetch_one(p)
        .await)?;
        Ok((file, content))
    }

    /// Removes uploads nobody linked within a day (a form abandoned after its files went up).
    pub async fn purge_unlinked_attachments(&self) -> StoreResult<u64> {
        let before = self.now() - Duration::hours(UNLINKED_TTL_HOURS);
        let done = on_pool!(self, p => sqlx::query(
            "DELETE FROM attachments WHERE owner IS NULL AND created_at < $1",
        )
        .bind(before)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done)
    }
}

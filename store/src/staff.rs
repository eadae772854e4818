//! What insurer staff do in `/staff`. Every call checks that the caller is staff; for anybody
//! else the objects simply do not exist ("not found").

use crate::journal::Entry;
use crate::{Store, StoreError, StoreResult, new_id, on_pool};
use domain::forms::ValidCharge;
pub use domain::model::StaffPolicyholder;

/// What a staff member without a TOTP app is told in the staff area.
pub const STAFF_NEEDS_TOTP: &str = "Рабочее место сотрудника открывается только со вторым фактором: \
    подключите приложение-аутентификатор в разделе «Безопасность» и войдите заново";

impl Store {
    /// "Not found" unless the account is staff; refused (saying why) for staff without a TOTP
    /// app: one staff password approves access recovery for any citizen, opens passport scans
    /// and enters charges, so the staff area never opens on a password alone.
    pub async fn require_staff(&self, account_id: &str) -> StoreResult<()> {
        match self.account(account_id).await {
            Ok(a) if a.is_staff() => {}
            Ok(_) | Err(StoreError::NotFound) => return Err(StoreError::NotFound),
            Err(e) => return Err(e),
        }
        if self.factor_method(account_id).await? != Some(domain::status::FactorMethod::Totp) {
            return Err(StoreError::Refused(STAFF_NEEDS_TOTP.into()));
        }
        Ok(())
    }

    /// Whether the account is staff still without the TOTP app the staff area needs.
    pub async fn staff_without_totp(&self, account_id: &str) -> StoreResult<bool> {
        Ok(matches!(
            self.require_staff(account_id).await,
            Err(StoreError::Refused(_))
        ))
    }

    /// Policyholders whose name, ИНН or ОГРН contains `search` in any letter case (all when
    /// empty), by name; at most 50. Matched here rather than in SQL: SQLite's LOWER and a
    /// C-locale PostgreSQL's ILIKE do not fold Cyrillic.
    pub async fn staff_policyholders(
        &self,
        staff_id: &str,
        search: &str,
    ) -> StoreResult<Vec<StaffPolicyholder>> {
        use futures_util::TryStreamExt;
        self.require_staff(staff_id).await?;
        let needle = search.trim().to_lowercase();
        let mut found = Vec::new();
        on_pool!(self, p => {
            let mut rows = sqlx::query_as::<_, (String, String, Option<String>, Option<String>)>(
                "SELECT id, name, inn, ogrn FROM policyholders ORDER BY name, id",
            )
            .fetch(p);
            while let Some((id, name, inn, ogrn)) = rows.try_next().await? {
                let hit = needle.is_empty()
                    || name.to_lowercase().contains(&needle)
                    || inn.as_deref().is_some_and(|v| v.contains(&needle))
                    || ogrn.as_deref().is_some_and(|v| v.contains(&needle));
                if hit {
                    found.push(StaffPolicyholder { id, name, inn });
                    if found.len() == 50 {
                        break;
                    }
                }
            }
            Ok::<(), sqlx::Error>(())
        })?;
        Ok(found)
    }

    /// Enters a charge for a policyholder; open cabinets of that policyholder see their balance
    /// and «Начисления» change at once.
    pub async fn staff_add_charge(
        &self,
        staff_id: &str,
        charge: &ValidCharge,
        ip: &str,
    ) -> StoreResult<String> {
        self.require_staff(staff_id).await?;
        let exists: Option<String> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT id FROM policyholders WHERE id = $1",
        )
        .bind(&charge.policyholder_id)
        .fetch_optional(p)
        .await)?;
        if exists.is_none() {
            return Err(StoreError::field(
                "policyholder_id",
                "Страхователь не найден",
            ));
        }
        let id = new_id();
        on_pool!(self, p => sqlx::query(
            "INSERT INTO charges (id, policyholder_id, policy_id, kind, charged_on, amount, status, description, created_at)
             VALUES ($1, $2, NULL, $3, $4, $5, 'unpaid', $6, $7)",
        )
        .bind(&id)
        .bind(&charge.policyholder_id)
        .bind(charge.kind.code())
        .bind(charge.charged_on)
        .bind(charge.amount)
        .bind(&charge.description)
        .bind(self.now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        self.journal(Entry {
            account_id: Some(staff_id),
            policyholder_id: Some(&charge.policyholder_id),
            action: "charge.created",
            object_type: "charge",
            object_id: &id,
            ip,
            details: &format!("{} {}", charge.kind.label(), charge.amount),
        })
        .await?;
        self.publish_balance(&charge.policyholder_id).await?;
        Ok(id)
    }
}

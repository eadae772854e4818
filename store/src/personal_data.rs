//! «Выгрузить мои данные» (152-ФЗ, the right of access): what the cabinet keeps about the
//! person, as a JSON file for machines and a PDF for people. Secrets are not in it (password
//! and TOTP secret, code and session hashes).

use crate::pdf::Statement;
use crate::{Store, StoreError, StoreResult};
use domain::dates::{format_date, format_datetime};
use serde_json::{Value, json};

impl Store {
    /// Everything about the account, as JSON.
    pub async fn personal_data(&self, account_id: &str) -> StoreResult<Value> {
        let a = self.account(account_id).await?;
        let holders = self.accessible_policyholders(account_id).await?;
        let mut policies = Vec::new();
        for h in &holders {
            let list = self.list_policies(account_id, &h.id).await?;
            policies
                .push(json!({ "policyholder": h.name, "role": h.role_label(), "policies": list }));
        }
        let sessions: Vec<Value> = self
            .list_sessions(account_id)
            .await?
            .into_iter()
            .map(|s| {
                json!({
                    "started": s.created_at, "last_activity": s.last_seen_at,
                    "ip": s.ip, "device": domain::security::device_label(&s.user_agent),
                })
            })
            .collect();
        let journal: Vec<Value> = self
            .journal_for_account(account_id, 500, 0)
            .await?
            .into_iter()
            .map(|j| {
                json!({ "at": j.at, "action": domain::security::action_label(&j.action), "ip": j.ip })
            })
            .collect();
        let profile = self.profile(account_id).await?;
        let factor = profile.factor().map(|m| m.label()).unwrap_or("не включена");
        Ok(json!({
            "generated_at": self.now(),
            "account": {
                "full_name": a.full_name, "birth_date": profile.birth_date,
                "email": a.email, "phone": a.phone, "extra_phone": profile.extra_phone,
                "snils": a.snils, "inn": a.inn, "passport": profile.passport,
                "registered_at": a.created_at,
                "confirmed_at": a.confirmed_at, "two_factor": factor,
            },
            "access_requests": self.access_requests_of(account_id).await?.into_iter().map(|r| json!({
                "number": r.number, "status": r.status_label(), "created_at": r.created_at,
            })).collect::<Vec<_>>(),
            "policyholders": policies,
            "profile_changes": self.profile_history(account_id).await?,
            "sessions": sessions,
            "security_journal": journal,
            "notices": self.notices(account_id, 1).await?.0,
        }))
    }

    /// The same, readable: a PDF with a section per kind of data.
    pub async fn personal_data_pdf(&self, account_id: &str) -> StoreResult<Vec<u8>> {
        let data = self.personal_data(account_id).await?;
        let a = self.account(account_id).await?;
        let today = format_date(self.today());
        let mut doc = Statement::new(
            format!("Мои данные в кабинете страхователя: {}", a.full_name),
            vec![format!(
                "Выгрузка на {today} по запросу владельца учётной записи (152-ФЗ, ст. 14)"
            )],
            crate::pdf::FACT_COLUMNS,
            format!("Кабинет страхователя · выгрузка персональных данных от {today}"),
        );
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            Value::Null => "не указано".into(),
            Value::Bool(true) => "да".into(),
            Value::Bool(false) => "нет".into(),
            other => other.to_string(),
        };
        let when = |v: &Value| {
            v.as_str()
                .and_then(|s| s.parse::<chrono::DateTime<chrono::Utc>>().ok())
                .map(format_datetime)
                .unwrap_or_else(|| text(v))
        };
        doc.push_total(vec!["Учётная запись".into(), String::new()]);
        let acc = &data["account"];
        for (label, key) in [
            ("ФИО", "full_name"),
            ("Дата рождения", "birth_date"),
            ("Электронная почта", "email"),
            ("Телефон", "phone"),
            ("Дополнительный телефон", "extra_phone"),
            ("СНИЛС", "snils"),
            ("ИНН", "inn"),
            ("Паспорт", "passport"),
            ("Двухфакторная защита", "two_factor"),
        ] {
            doc.push(vec![label.into(), text(&acc[key])]);
        }
        doc.push(vec!["Зарегистрирована".into(), when(&acc["registered_at"])]);
        doc.push_total(vec!["Страхователи и полисы".into(), String::new()]);
        for h in data["policyholders"].as_array().into_iter().flatten() {
            doc.push(vec![text(&h["role"]), text(&h["policyholder"])]);
            for p in h["policies"].as_array().into_iter().flatten() {
                doc.push(vec![
                    format!("Полис {}", text(&p["number"])),
                    format!(
                        "{}, {} — {}",
                        text(&p["programme"]),
                        text(&p["starts_on"]),
                        text(&p["ends_on"])
                    ),
                ]);
            }
        }
        doc.push_total(vec!["История изменений профиля".into(), String::new()]);
        for c in data["profile_changes"].as_array().into_iter().flatten() {
            doc.push(vec![
                when(&c["created_at"]),
                format!(
                    "{}: {} → {} ({})",
                    text(&c["field"]),
                    text(&c["old_value"]),
                    text(&c["new_value"]),
                    text(&c["status"])
                ),
            ]);
        }
        if let Some(list) = data["access_requests"].as_array().filter(|l| !l.is_empty()) {
            doc.push_total(vec![
                "Заявки на восстановление доступа".into(),
                String::new(),
            ]);
            for r in list {
                doc.push(vec![
                    when(&r["created_at"]),
                    format!("№ {}: {}", text(&r["number"]), text(&r["status"])),
                ]);
            }
        }
        doc.push_total(vec!["Активные сеансы".into(), String::new()]);
        for s in data["sessions"].as_array().into_iter().flatten() {
            doc.push(vec![
                when(&s["started"]),
                format!("{}, IP {}", text(&s["device"]), text(&s["ip"])),
            ]);
        }
        doc.push_total(vec!["Журнал безопасности".into(), String::new()]);
        for j in data["security_journal"].as_array().into_iter().flatten() {
            doc.push(vec![
                when(&j["at"]),
                format!("{}, IP {}", text(&j["action"]), text(&j["ip"])),
            ]);
        }
        tokio::task::spawn_blocking(move || doc.render())
            .await
            .map_err(|e| StoreError::Internal(format!("pdf task: {e}")))?
    }
}

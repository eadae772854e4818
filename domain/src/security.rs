//! Words for the «Безопасность» page: journal actions and devices.

/// The Russian label of a journal action code.
pub fn action_label(code: &str) -> &'static str {
    match code {
        "account.registered" => "Регистрация учётной записи",
        "account.confirmed" => "Учётная запись подтверждена",
        "account.registration_attempt" => "Кто-то начал регистрацию с вашими данными",
        "authority.self_linked" => "Учётная запись связана со страхователем",
        "login.success" => "Вход",
        "login.failed" => "Неудачная попытка входа",
        "logout" => "Выход",
        "session.expired" => "Сеанс завершён из-за бездействия",
        "session.ended_remotely" => "Сеанс завершён с другого устройства",
        "session.ended_others" => "Завершены все другие сеансы",
        "password.reset_requested" => "Запрошен код восстановления пароля",
        "password.reset" => "Пароль изменён по коду восстановления",
        "acting.switched" => "Выбран страхователь, от имени которого действуете",
        "2fa.enabled" => "Включена двухфакторная защита",
        "2fa.disabled" => "Отключена двухфакторная защита",
        "2fa.passed" => "Вход подтверждён кодом из приложения",
        "2fa.recovery_code" => "Вход подтверждён резервным кодом",
        "2fa.failed" => "Неверный код подтверждения входа",
        "2fa.locked" => "Вход заблокирован на час: слишком много неверных кодов",
        "reminder.created" => "Установлено напоминание о взносе",
        "reminder.deleted" => "Удалено напоминание о взносе",
        "charge.created" => "Внесено начисление",
        "identity.confirmed" => "Личность подтверждена кодом для изменения профиля",
        "profile.changed" => "Изменены данные профиля",
        "profile.passport_submitted" => "Отправлены новые паспортные данные",
        "review.approved" => "Изменение профиля одобрено",
        "review.rejected" => "Изменение профиля отклонено",
        "payment.started" => "Начата оплата",
        "payment.confirmed" => "Оплата подтверждена кодом",
        "payment.succeeded" => "Платёж выполнен",
        "payment.declined" => "Платёж не выполнен",
        "profile.identity_submitted" => "Отправлены новые личные данные",
        "2fa.sms_enabled" => "Включён вход с кодом в SMS",
        "2fa.sms_sent" => "Код подтверждения входа отправлен в SMS",
        "2fa.sms_passed" => "Вход подтверждён кодом из SMS",
        "access.requested" => "Подана заявка на восстановление доступа",
        "access.approved" => "Заявка на восстановление доступа одобрена",
        "access.rejected" => "Заявка на восстановление доступа отклонена",
        "access.restored" => "Доступ восстановлен: пароль задан по ссылке",
        "request.created" => "Создан запрос",
        "request.commented" => "Добавлен комментарий к запросу",
        "request.assigned" => "Запрос взят в работу сотрудником",
        "request.replied" => "Сотрудник ответил на запрос",
        "request.status" => "Изменён статус запроса",
        "document.issued" => "Выдан документ",
        "document.mailed" => "Документ отправлен на e-mail",
        "report.submitted" => "Отправлен отчёт",
        "report.resubmitted" => "Исправленный отчёт отправлен повторно",
        "report.check_failed" => "Отчёт не прошёл автоматическую проверку",
        "report.accepted" => "Отчёт принят",
        "report.returned" => "Отчёт возвращён с ошибками",
        "report.draft_deleted" => "Удалён черновик отчёта",
        "extension.requested" => "Запрошено продление срока",
        "extension.approved" => "Продление срока одобрено",
        "extension.rejected" => "В продлении срока отказано",
        "calendar.link_created" => "Создана ссылка на календарь сроков",
        "calendar.links_revoked" => "Ссылки на календарь сроков отозваны",
        "password.changed" => "Пароль изменён в разделе «Безопасность»",
        "password.check_failed" => "Неверный пароль при подтверждении действия",
        "password.check_blocked" => "Ввод пароля заблокирован после неверных попыток",
        "reminder.skipped" => "Напоминание не отправлено: полномочия закончились",
        "authority.granted" => "Выдан доступ к кабинету страхователя",
        "authority.accepted" => "Выданный доступ принят",
        "authority.declined" => "Выданный доступ отклонён",
        "authority.grant_cancelled" => "Приглашение на доступ отменено",
        "authority.revoked" => "Доступ отозван",
        "authority.basis_confirmed" => "Основание доступа подтверждено сотрудником",
        "authority.basis_refused" => "Основание доступа не подтверждено сотрудником",
        _ => "Действие",
    }
}

/// "Chrome, Windows" and the like, from a User-Agent header.
pub fn device_label(user_agent: &str) -> String {
    let ua = user_agent;
    let browser = if ua.contains("YaBrowser") {
        "Яндекс Браузер"
    } else if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") {
        "Opera"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        "Браузер"
    };
    let os = if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        ""
    };
    if os.is_empty() {
        browser.to_string()
    } else {
        format!("{browser}, {os}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
        assert_eq!(device_label(chrome), "Chrome, Linux");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1";
        assert_eq!(device_label(iphone), "Safari, iOS");
        let ya =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 YaBrowser/24.1 Safari/537.36";
        assert_eq!(device_label(ya), "Яндекс Браузер, Windows");
        assert_eq!(device_label(""), "Браузер");
    }

    #[test]
    fn actions() {
        assert_eq!(action_label("login.failed"), "Неудачная попытка входа");
        assert_eq!(action_label("unknown"), "Действие");
    }
}

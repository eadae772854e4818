//! The password inside the cabinet: asking for it again before a sensitive step
//! ([`Store::check_password_limited`], throttled per account and counted before argon2 runs) and
//! «Сменить пароль» in «Безопасность» ([`Store::change_password`]: the old password through the
//! same check, the new one under `domain::password`, every other session ended, this one's id
//! rotated, the contacts told, a journal line). Login and «Забыли пароль» live in `accounts` and
//! `recovery`.

mod change;
mod check;

pub use check::PASSWORD_CHECK_KEY_PREFIX;

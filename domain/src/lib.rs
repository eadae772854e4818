//! Pure domain code of the cabinet. Compiles for the browser (WASM) and the server alike, so the
//! same validation runs on both sides: money in kopecks, ИНН/СНИЛС/ОГРН check digits, phones,
//! e-mail, password policy, dates in Moscow time, and the statuses with their Russian labels.

pub mod calendar;
pub mod clients;
pub mod dates;
pub mod delegation;
pub mod files;
pub mod forms;
pub mod history;
pub mod ids;
pub mod model;
pub mod money;
pub mod password;
pub mod payments;
pub mod person;
pub mod query;
pub mod reports;
pub mod requests;
pub mod security;
pub mod status;
pub mod validate;

pub use money::Money;
pub use validate::{FieldError, FieldErrors};

//! Secrets that never print.

use crate::{Pool, StoreResult};
use rand::RngCore;

/// A value whose `Debug` shows nothing of it.
#[derive(Clone)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> std::fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A random 32-byte key kept in `settings`, made on first start and shared by every server process.
pub(crate) async fn load_or_create_key(pool: &Pool, name: &str) -> StoreResult<Secret<Vec<u8>>> {
    let mut fresh = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut fresh);
    let fresh = hex::encode(fresh);
    let insert = "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";
    let select = "SELECT value FROM settings WHERE key = $1";
    let value: String = match pool {
        Pool::Sqlite(p) => {
            sqlx::query(insert)
                .bind(name)
                .bind(&fresh)
                .execute(p)
                .await?;
            sqlx::query_scalar(select).bind(name).fetch_one(p).await?
        }
        Pool::Postgres(p) => {
            sqlx::query(insert)
                .bind(name)
                .bind(&fresh)
                .execute(p)
                .await?;
            sqlx::query_scalar(select).bind(name).fetch_one(p).await?
        }
    };
    let bytes = hex::decode(value)
        .map_err(|e| crate::StoreError::Internal(format!("bad key {name}: {e}")))?;
    Ok(Secret::new(bytes))
}

#[cfg(test)]
mod tests {
    #[test]
    fn debug_hides_the_value() {
        let s = super::Secret::new("hunter2".to_string());
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(s.expose(), "hunter2");
    }
}

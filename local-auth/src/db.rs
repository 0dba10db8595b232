//! The SQLite database: one writer connection (writes are serialised in the process, so concurrent
//! requests never fail with `SQLITE_BUSY`), a few readers, WAL mode, embedded migrations.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

/// The database's connection pools.
#[derive(Clone, Debug)]
pub struct Db {
    /// The single connection all writes go through.
    pub write: SqlitePool,
    /// Connections for reads, which WAL lets run beside the writer.
    pub read: SqlitePool,
}

impl Db {
    /// Opens (creating if needed) `auth.db` in `data_dir` and applies the migrations.
    pub async fn open(data_dir: &Path) -> Result<Self, sqlx::Error> {
        std::fs::create_dir_all(data_dir)?;
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(data_dir.join("auth.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL loses no committed transaction when the process dies, only
            // (possibly) the last ones when the whole machine does.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self { write, read })
    }
}

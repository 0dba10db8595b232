//! Keeps `auth.users` and `auth.mfa_factors` of a PostgreSQL database in step with local-auth's
//! own store (`LOCAL_AUTH_DATABASE_URL`), as Supabase Auth keeps them in its database: the app's
//! tables reference `auth.users`, and policies such as Supabase's MFA example read
//! `auth.mfa_factors`. Only what policies may read is copied; password hashes and factor secrets
//! stay in SQLite.
//!
//! Triggers in SQLite list every user whose row or factors changed (`postgres_outbox`); after each
//! request that changed something, [`Mirror::flush`] copies those users before the answer goes
//! out, so a client that has its answer finds PostgreSQL up to date. PostgreSQL trouble never
//! fails an auth request: the change stays listed and a later flush copies it (an unreachable
//! database is tried again after 10 s, not on every request).

use std::time::{Duration, Instant};

use sqlx::{
    PgPool, Row,
    postgres::{PgConnectOptions, PgPoolOptions},
};
use tokio::sync::Mutex;

use crate::{config::Secret, db::Db};

/// How many listed users one round copies.
const BATCH: i64 = 100;
/// How long an unreachable PostgreSQL is left alone before the next attempt, so requests are not
/// each held up by a connection attempt.
const RETRY_AFTER: Duration = Duration::from_secs(10);

/// The PostgreSQL side of the mirror.
#[derive(Debug)]
pub struct Mirror {
    pool: PgPool,
    /// One flush at a time (concurrent requests wait for it and then find nothing left), and
    /// when PostgreSQL was last found unreachable.
    running: Mutex<Option<Instant>>,
}

impl Mirror {
    /// The connection pool of `LOCAL_AUTH_DATABASE_URL`, which PostgreSQL hooks run in too.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A mirror into the database at `url` (a `postgres://` connection string of a role that may
    /// write `auth.users` and `auth.mfa_factors`, such as `supabase_auth_admin`). Connects
    /// lazily: local-auth starts whether or not the database is up.
    pub fn new(url: &Secret) -> Result<Self, sqlx::Error> {
        let url = std::str::from_utf8(url.expose())
            .map_err(|_| sqlx::Error::Configuration("the URL is not UTF-8".into()))?;
        let options: PgConnectOptions = url.parse()?;
        let pool = PgPoolOptions::new()
            // Two for the copy, two for hooks (which hold one for at most their timeout).
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(3))
            .connect_lazy_with(options.application_name("local-auth"));
        Ok(Self {
            pool,
            running: Mutex::new(None),
        })
    }

    /// Copies every listed user (row and factors) to PostgreSQL, or removes them there when they
    /// are gone; a user whose copy fails stays listed.
    pub async fn flush(&self, db: &Db) {
        // Most requests change nothing: a read beside the writer tells.
        let listed: Result<bool, _> =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM postgres_outbox)")
                .fetch_one(&db.read)
                .await;
        if matches!(listed, Ok(false)) {
            return;
        }
        let mut unreachable_since = self.running.lock().await;
        if unreachable_since.is_some_and(|since| since.elapsed() < RETRY_AFTER) {
            return;
        }
        *unreachable_since = None;
        let mut failed = Vec::new();
        loop {
            let listed: Vec<(String, i64)> = match sqlx::query_as(
                "SELECT user_id, version FROM postgres_outbox ORDER BY user_id LIMIT ?",
            )
            .bind(BATCH)
            .fetch_all(&db.read)
            .await
            {
                Ok(listed) => listed,
                Err(error) => {
                    tracing::warn!("mirror: cannot read the changed users: {error}");
                    return;
                }
            };
            let pending: Vec<_> = listed
                .into_iter()
                .filter(|(user_id, _)| !failed.contains(user_id))
                .collect();
            if pending.is_empty() {
                return;
            }
            for (user_id, version) in pending {
                match self.copy_user(db, &user_id).await {
                    Ok(()) => {
                        // A change made while copying raised the version: it stays listed.
                        let done = sqlx::query(
                            "DELETE FROM postgres_outbox WHERE user_id = ? AND version = ?",
                        )
                        .bind(&user_id)
                        .bind(version)
                        .execute(&db.write)
                        .await;
                        if let Err(error) = done {
                            tracing::warn!("mirror: cannot mark a user copied: {error}");
                            return;
                        }
                    }
                    Err(error) => {
                        tracing::warn!("mirror: PostgreSQL did not take a user's change: {error}");
                        failed.push(user_id);
                        // An unreachable database fails every user alike: try again later.
                        if matches!(
                            error,
                            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::Tls(_)
                        ) {
                            *unreachable_since = Some(Instant::now());
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Makes PostgreSQL's copy of `user_id` what SQLite holds: the row and its factors, or
    /// neither when the user is gone.
    async fn copy_user(&self, db: &Db, user_id: &str) -> Result<(), sqlx::Error> {
        let user = sqlx::query(
            "SELECT id, aud, role, email, phone, email_confirmed_at, phone_confirmed_at, \
             last_sign_in_at, raw_app_meta_data, raw_user_meta_data, is_anonymous, \
             banned_until, deleted_at, created_at, updated_at, is_sso_user FROM users WHERE id = ?",
        )
        .bind(user_id)
        .fetch_optional(&db.read)
        .await?;
        let factors = sqlx::query(
            "SELECT id, friendly_name, factor_type, status, created_at, updated_at, \
             last_challenged_at FROM mfa_factors WHERE user_id = ?",
        )
        .bind(user_id)
        .fetch_all(&db.read)
        .await?;

        let mut tx = self.pool.begin().await?;
        let Some(user) = user else {
            sqlx::query("DELETE FROM auth.users WHERE id = $1::uuid")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            return tx.commit().await;
        };
        let text = |column: &str| user.try_get::<Option<String>, _>(column);
        sqlx::query(
            "INSERT INTO auth.users (id, aud, role, email, phone, email_confirmed_at, \
             phone_confirmed_at, last_sign_in_at, raw_app_meta_data, raw_user_meta_data, \
             is_anonymous, banned_until, deleted_at, created_at, updated_at, is_sso_user) \
             VALUES ($1::uuid, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz, \
             $8::timestamptz, $9::jsonb, $10::jsonb, $11, $12::timestamptz, $13::timestamptz, \
             $14::timestamptz, $15::timestamptz, $16) \
             ON CONFLICT (id) DO UPDATE SET aud = excluded.aud, role = excluded.role, \
             email = excluded.email, phone = excluded.phone, \
             email_confirmed_at = excluded.email_confirmed_at, \
             phone_confirmed_at = excluded.phone_confirmed_at, \
             last_sign_in_at = excluded.last_sign_in_at, \
             raw_app_meta_data = excluded.raw_app_meta_data, \
             raw_user_meta_data = excluded.raw_user_meta_data, \
             is_anonymous = excluded.is_anonymous, banned_until = excluded.banned_until, \
             deleted_at = excluded.deleted_at, created_at = excluded.created_at, \
             updated_at = excluded.updated_at, is_sso_user = excluded.is_sso_user",
        )
        .bind(user_id)
        .bind(text("aud")?)
        .bind(text("role")?)
        .bind(text("email")?)
        .bind(text("phone")?)
        .bind(text("email_confirmed_at")?)
        .bind(text("phone_confirmed_at")?)
        .bind(text("last_sign_in_at")?)
        .bind(text("raw_app_meta_data")?)
        .bind(text("raw_user_meta_data")?)
        .bind(user.try_get::<bool, _>("is_anonymous")?)
        .bind(text("banned_until")?)
        .bind(text("deleted_at")?)
        .bind(text("created_at")?)
        .bind(text("updated_at")?)
        .bind(user.try_get::<bool, _>("is_sso_user")?)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM auth.mfa_factors WHERE user_id = $1::uuid")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for factor in factors {
            let text = |column: &str| factor.try_get::<Option<String>, _>(column);
            sqlx::query(
                "INSERT INTO auth.mfa_factors (id, user_id, friendly_name, factor_type, status, \
                 created_at, updated_at, last_challenged_at) VALUES ($1::uuid, $2::uuid, $3, \
                 $4::auth.factor_type, $5::auth.factor_status, $6::timestamptz, \
                 $7::timestamptz, $8::timestamptz)",
            )
            .bind(text("id")?)
            .bind(user_id)
            .bind(text("friendly_name")?)
            .bind(text("factor_type")?)
            .bind(text("status")?)
            .bind(text("created_at")?)
            .bind(text("updated_at")?)
            .bind(text("last_challenged_at")?)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }
}

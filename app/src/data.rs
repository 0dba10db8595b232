//! The user's data under Row Level Security (server only): every statement the server runs for a
//! user first becomes that user, as Supabase's Data API does: `role` set to `authenticated` (or
//! `anon` when signed out) and `request.jwt.claims` to the claims of the access token the session
//! layer verified, both local to the transaction (`app.become` in `supabase/migrations/`).
//! Policies written with `auth.jwt()` (and `auth.uid()`) then decide which rows the queries see,
//! here exactly as on a Supabase project. Two ways: [`Database::as_user`] for a statement that
//! calls a function of the `app` schema, which becomes the user itself (one round trip: the notes
//! page), and [`Database::begin_as`] for a transaction of plain statements (four).
//!
//! The server connects as `app_server`, a role that may do nothing but become `anon` or
//! `authenticated`, so a query that skipped both would fail rather than see everything.

use std::{fmt, time::Duration};

use leptos::prelude::use_context;
use sqlx::{
    PgPool, Postgres, Transaction,
    postgres::{PgConnectOptions, PgPoolOptions},
};
use supabase_ssr::Claims;

/// The app's database, when one is configured (`DATABASE_URL`); cheap to clone. The server
/// provides it to every request's context.
#[derive(Clone, Default)]
pub struct Database {
    pool: Option<PgPool>,
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("configured", &self.pool.is_some())
            .finish()
    }
}

impl Database {
    /// The database at `url` (a `postgres://` connection string). Connects lazily: the server
    /// starts, and pages without data render, while the database is down.
    pub fn connect_lazy(url: &str) -> Result<Self, sqlx::Error> {
        // A statement may run 8 s at most: `app_server`'s own setting (the migrations), which a
        // connection takes when it logs in, so no request can hold the database for longer.
        let options: PgConnectOptions = url.parse()?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // No ping before each query (a round trip per request); a connection the database
            // dropped fails its one request with "not reachable right now" and is replaced.
            .test_before_acquire(false)
            .acquire_timeout(Duration::from_secs(3))
            .connect_lazy_with(options.application_name("app-server"));
        Ok(Self { pool: Some(pool) })
    }

    /// No database: data pages say how to configure one.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether a database is configured.
    pub fn is_configured(&self) -> bool {
        self.pool.is_some()
    }

    /// The connection pool, for what the server keeps in the database itself (the attempt
    /// limits); queries as a user go through [`Database::begin_as`].
    pub(crate) fn pool(&self) -> Option<&PgPool> {
        self.pool.as_ref()
    }

    /// A transaction as the user whose verified access token has `claims` (`None`: signed out,
    /// as `anon`): four round trips (begin, become the user, the statement, commit), for a feature
    /// whose statements are plain SQL in its server functions.
    pub async fn begin_as(
        &self,
        claims: Option<&Claims>,
    ) -> Result<Transaction<'static, Postgres>, DataError> {
        let (pool, me) = self.as_user(claims)?;
        let mut transaction = pool.begin().await?;
        sqlx::query("select app.become($1, $2)")
            .bind(me.role)
            .bind(&me.claims)
            .execute(&mut *transaction)
            .await?;
        Ok(transaction)
    }

    /// The pool (a cheap clone) and who to run as, for one statement that calls a function of the `app` schema
    /// (see `supabase/migrations/`): the function takes [`AsUser::role`] and [`AsUser::claims`]
    /// first and becomes the user itself, so the request is one round trip and the role and
    /// claims last only for that statement's transaction. Only `authenticated` tokens become
    /// `authenticated`: any other role a token names is refused rather than assumed.
    pub fn as_user(&self, claims: Option<&Claims>) -> Result<(PgPool, AsUser), DataError> {
        let pool = self.pool.clone().ok_or(DataError::NotConfigured)?;
        let me = match claims {
            Some(claims) if claims.role == "authenticated" => AsUser {
                role: "authenticated",
                claims: serde_json::to_string(claims).map_err(|error| {
                    tracing::error!("cannot serialise verified claims: {error}");
                    DataError::Unexpected
                })?,
            },
            Some(claims) => {
                tracing::warn!("a token with role {:?} asked for data", claims.role);
                return Err(DataError::Denied);
            }
            None => AsUser {
                role: "anon",
                claims: r#"{"role":"anon"}"#.to_owned(),
            },
        };
        Ok((pool, me))
    }
}

/// Who a statement runs as: what `app.become` takes. Its `Debug` names the role only (the claims
/// hold the user's address).
pub struct AsUser {
    /// `authenticated` or `anon`.
    pub role: &'static str,
    /// The verified claims, as JSON.
    pub claims: String,
}

impl fmt::Debug for AsUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsUser")
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// The database the server provided to this request's context ([`Database::none`] without one).
pub fn database() -> Database {
    use_context::<Database>().unwrap_or_default()
}

/// Why a query as the user did not give an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    /// No `DATABASE_URL`.
    #[error("no database is configured")]
    NotConfigured,
    /// The database cannot be reached, or did not answer in time.
    #[error("the database is unavailable")]
    Unavailable,
    /// A policy refused the change (or the token's role may not query).
    #[error("a policy refused it")]
    Denied,
    /// The data broke a constraint of the table.
    #[error("a constraint refused it")]
    Invalid,
    /// The token's user was deleted from `auth.users` since the token was issued (the notes
    /// migration refuses their rows as the foreign key did).
    #[error("the user is not in auth.users")]
    UnknownUser,
    /// Anything else; the details are in the server log.
    #[error("unexpected database error")]
    Unexpected,
}

impl From<sqlx::Error> for DataError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => {
                tracing::warn!("database unavailable: {error}");
                Self::Unavailable
            }
            sqlx::Error::Database(database) => match database.code().as_deref() {
                // insufficient_privilege: row security refused the row.
                Some("42501") => Self::Denied,
                // check_violation, not_null_violation, and every data exception (class 22: a
                // value too long, a byte the encoding refuses, text that is not a number): the
                // client's input, never the server's failure.
                Some("23514" | "23502") => Self::Invalid,
                Some(code) if code.starts_with("22") => Self::Invalid,
                // query_canceled (the statement timeout), admin_shutdown, cannot_connect_now.
                Some("57014" | "57P01" | "57P03") => {
                    tracing::warn!("database unavailable: {error}");
                    Self::Unavailable
                }
                // foreign_key_violation on `user_id`: the user was deleted from `auth.users`.
                Some("23503") => {
                    tracing::info!("{error}: the user was deleted since the token was issued");
                    Self::UnknownUser
                }
                _ => {
                    tracing::error!("database error: {error}");
                    Self::Unexpected
                }
            },
            _ => {
                tracing::error!("database error: {error}");
                Self::Unexpected
            }
        }
    }
}

//! PostgreSQL hooks (`pg-functions://postgres/<schema>/<function>`), called as upstream's
//! `hookspgfunc` calls them: in a transaction of `supabase_auth_admin` (the role of
//! `LOCAL_AUTH_DATABASE_URL`, to which the function must be granted), with a statement timeout of
//! two seconds, the event as the one `jsonb` argument and the function's `jsonb` as the output.

use serde_json::Value;
use sqlx::PgPool;

use super::{Failure, POSTGRES_TIMEOUT};

/// `"schema"."function"` from the URI's path, each part a plain PostgreSQL name as upstream
/// requires (`^[a-zA-Z_][a-zA-Z0-9_-]*$`), so the quoted name is safe in the statement.
pub fn function_name(url: &url::Url) -> Result<String, String> {
    let parts: Vec<&str> = url.path().split('/').collect();
    let [_, schema, function, ..] = parts.as_slice() else {
        return Err("URI path does not contain enough parts".to_owned());
    };
    let valid = |name: &str| {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if !valid(schema) {
        return Err(format!("invalid schema name: {schema}"));
    }
    // Percent-escapes (`%22` for a quote) fail the check too: only plain names pass.
    if !valid(function) {
        return Err(format!("invalid function name: {function}"));
    }
    Ok(format!("\"{schema}\".\"{function}\""))
}

/// Calls `function` (already quoted) with `event`; returns its output, or `None` for null.
pub async fn call(
    database: &PgPool,
    function: &str,
    event: &Value,
) -> Result<Option<Value>, Failure> {
    let mut transaction = database.begin().await.map_err(Failure::generic)?;
    // The timeout is a constant, so the statement carries no value from outside.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "set local statement_timeout to '{}'",
        POSTGRES_TIMEOUT.as_millis()
    )))
    .execute(&mut *transaction)
    .await
    .map_err(Failure::generic)?;
    // `function` passed `function_name`'s check: a quoted pair of plain names. The event is bound.
    let output: Option<Value> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "select {function}($1::jsonb)::jsonb"
    )))
    .bind(event)
    .fetch_one(&mut *transaction)
    .await
    .map_err(Failure::generic)?;
    transaction.commit().await.map_err(Failure::generic)?;
    Ok(output.filter(|output| !output.is_null()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_function_is_named_from_the_uri_and_quoted() {
        let url =
            url::Url::parse("pg-functions://postgres/public/custom_access_token_hook").unwrap();
        assert_eq!(
            function_name(&url).unwrap(),
            r#""public"."custom_access_token_hook""#
        );
        for hostile in [
            "pg-functions://postgres/public/x\"; drop table users; --",
            "pg-functions://postgres/pub\"lic/x",
            "pg-functions://postgres/public/1x",
            "pg-functions://postgres/public/",
        ] {
            let url = url::Url::parse(hostile).unwrap();
            assert!(function_name(&url).is_err(), "{hostile}");
        }
    }
}

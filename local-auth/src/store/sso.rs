//! `sso_providers` and `sso_domains`: SAML identity providers and the email domains that lead to
//! them.

use serde_json::{Value, json};
use sqlx::{FromRow, SqliteConnection, SqliteExecutor};

use crate::time::now_rfc3339;

/// A row of `sso_providers` (upstream's `auth.sso_providers` with its `auth.saml_providers` row).
#[derive(Clone, Debug, FromRow)]
#[allow(missing_docs)] // The columns of upstream's two tables.
pub struct SsoProvider {
    pub id: String,
    pub resource_id: Option<String>,
    pub disabled: Option<bool>,
    pub entity_id: String,
    pub metadata_xml: String,
    pub metadata_url: Option<String>,
    pub attribute_mapping: String,
    pub name_id_format: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl SsoProvider {
    /// Whether sign-ins through it are allowed (`disabled` unset or false).
    pub fn is_enabled(&self) -> bool {
        self.disabled != Some(true)
    }

    /// The provider as the admin API returns it, with its `domains`; `with_metadata` keeps the
    /// metadata XML (the list leaves it out, as upstream, to stay small).
    pub fn to_json(&self, domains: &[String], with_metadata: bool) -> Value {
        let mut saml = json!({ "entity_id": self.entity_id });
        if with_metadata {
            saml["metadata_xml"] = json!(self.metadata_xml);
        }
        if let Some(url) = &self.metadata_url {
            saml["metadata_url"] = json!(url);
        }
        let mapping: Value =
            serde_json::from_str(&self.attribute_mapping).unwrap_or_else(|_| json!({}));
        if mapping.as_object().is_some_and(|keys| !keys.is_empty()) {
            saml["attribute_mapping"] = mapping;
        }
        if let Some(format) = &self.name_id_format {
            saml["name_id_format"] = json!(format);
        }
        let mut provider = json!({
            "id": self.id,
            "disabled": self.disabled,
            "saml": saml,
            "domains": domains.iter().map(|domain| json!({ "domain": domain })).collect::<Vec<_>>(),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        });
        if let Some(resource_id) = &self.resource_id {
            provider["resource_id"] = json!(resource_id);
        }
        provider
    }
}

/// The provider with `id`.
pub async fn sso_provider(
    db: impl SqliteExecutor<'_>,
    id: &str,
) -> sqlx::Result<Option<SsoProvider>> {
    sqlx::query_as("SELECT * FROM sso_providers WHERE id = ?")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The provider with `resource_id`.
pub async fn sso_provider_by_resource_id(
    db: impl SqliteExecutor<'_>,
    resource_id: &str,
) -> sqlx::Result<Option<SsoProvider>> {
    sqlx::query_as("SELECT * FROM sso_providers WHERE resource_id = ?")
        .bind(resource_id)
        .fetch_optional(db)
        .await
}

/// The provider whose SAML entity id is `entity_id`.
pub async fn sso_provider_by_entity_id(
    db: impl SqliteExecutor<'_>,
    entity_id: &str,
) -> sqlx::Result<Option<SsoProvider>> {
    sqlx::query_as("SELECT * FROM sso_providers WHERE entity_id = ?")
        .bind(entity_id)
        .fetch_optional(db)
        .await
}

/// The provider `domain` (lowercased) belongs to.
pub async fn sso_provider_by_domain(
    db: impl SqliteExecutor<'_>,
    domain: &str,
) -> sqlx::Result<Option<SsoProvider>> {
    sqlx::query_as(
        "SELECT p.* FROM sso_domains d JOIN sso_providers p ON p.id = d.sso_provider_id \
         WHERE d.domain = ?",
    )
    .bind(domain)
    .fetch_optional(db)
    .await
}

/// Every provider, oldest first; only those whose resource id is `resource_id`, or starts with
/// `resource_id_prefix`, when given.
pub async fn sso_providers(
    db: impl SqliteExecutor<'_>,
    resource_id: Option<&str>,
    resource_id_prefix: Option<&str>,
) -> sqlx::Result<Vec<SsoProvider>> {
    sqlx::query_as(
        "SELECT * FROM sso_providers WHERE (?1 IS NULL OR resource_id = ?1) \
         AND (?2 IS NULL OR substr(resource_id, 1, length(?2)) = ?2) ORDER BY created_at, id",
    )
    .bind(resource_id)
    .bind(resource_id_prefix)
    .fetch_all(db)
    .await
}

/// The domains of provider `id`, in order.
pub async fn sso_domains(db: impl SqliteExecutor<'_>, id: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT domain FROM sso_domains WHERE sso_provider_id = ? ORDER BY domain")
        .bind(id)
        .fetch_all(db)
        .await
}

/// Stores `provider` as it is (a new row, or the new state of an existing one; the admin API
/// never changes an entity id, the development provider's follows the server's address).
pub async fn save_sso_provider(
    db: &mut SqliteConnection,
    provider: &SsoProvider,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sso_providers (id, resource_id, disabled, entity_id, metadata_xml, \
         metadata_url, attribute_mapping, name_id_format, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET \
         resource_id = excluded.resource_id, disabled = excluded.disabled, entity_id = excluded.entity_id, \
         metadata_xml = excluded.metadata_xml, metadata_url = excluded.metadata_url, \
         attribute_mapping = excluded.attribute_mapping, name_id_format = excluded.name_id_format, \
         updated_at = excluded.updated_at",
    )
    .bind(&provider.id)
    .bind(&provider.resource_id)
    .bind(provider.disabled)
    .bind(&provider.entity_id)
    .bind(&provider.metadata_xml)
    .bind(&provider.metadata_url)
    .bind(&provider.attribute_mapping)
    .bind(&provider.name_id_format)
    .bind(&provider.created_at)
    .bind(&provider.updated_at)
    .execute(db)
    .await
    .map(drop)
}

/// Gives provider `id` exactly `domains` (lowercased, each free or already its own).
pub async fn set_sso_domains(
    db: &mut SqliteConnection,
    id: &str,
    domains: &[String],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sso_domains WHERE sso_provider_id = ?")
        .bind(id)
        .execute(&mut *db)
        .await?;
    let now = now_rfc3339();
    for domain in domains {
        sqlx::query(
            "INSERT INTO sso_domains (domain, sso_provider_id, created_at) VALUES (?, ?, ?)",
        )
        .bind(domain)
        .bind(id)
        .bind(&now)
        .execute(&mut *db)
        .await?;
    }
    Ok(())
}

/// Removes provider `id` and its domains.
pub async fn delete_sso_provider(db: &mut SqliteConnection, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sso_providers WHERE id = ?")
        .bind(id)
        .execute(db)
        .await
        .map(drop)
}

/// The user whose SSO identity is `subject` at provider `provider` (`sso:<id>`), with the
/// identity's row id.
pub async fn sso_identity_user(
    db: impl SqliteExecutor<'_>,
    provider: &str,
    subject: &str,
) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query_as("SELECT id, user_id FROM identities WHERE provider = ? AND provider_id = ?")
        .bind(provider)
        .bind(subject)
        .fetch_optional(db)
        .await
}

/// The SSO provider (`<id>` of `sso:<id>`) of `user_id`'s SSO identity, for the `amr` claim.
pub async fn sso_provider_of(
    db: impl SqliteExecutor<'_>,
    user_id: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT substr(provider, 5) FROM identities WHERE user_id = ? AND provider LIKE 'sso:%' \
         ORDER BY created_at LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await
}

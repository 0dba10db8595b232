//! SAML single sign-on, as upstream's `sso.go`, `samlacs.go` and `ssoadmin.go` answer it:
//! `POST /sso` starts a sign-in for a provider (named by id or by an email domain), the admin API
//! keeps providers and their domains, and the assertion signs the user in (an SSO user of their
//! own, whose one identity is `sso:<provider id>`, `amr` `sso/saml`). local-auth cannot check a
//! real identity provider's signed XML, so the assertion comes from its development identity
//! provider's page ([`crate::dev_saml`], served here) for every provider; `POST /sso/saml/acs`
//! refuses any other.

use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::SqliteConnection;

use super::{
    PkceParams,
    external::{NewIdentity, complete, sign_up_with_identity},
};
use crate::{
    bearer::ServiceRole,
    dev_saml::{self, Assertion, Decision, Outcome, SignInQuery},
    error::{ApiError, ApiResult, ErrorCode},
    extract::{ApiJson, ApiQuery},
    redirect,
    state::AppState,
    store::{self, OAuthFlow, SsoProvider, User},
    time::{now_rfc3339, parse_rfc3339},
};

/// Where the development identity provider's page is served, relative to the API base.
pub const DEV_SIGN_IN_PATH: &str = dev_saml::SIGN_IN_PATH;

/// How an SSO flow authenticates, in `flow_state` and the `amr` claim.
pub const METHOD: &str = "sso/saml";

/// How long a started sign-in waits for its assertion, in seconds (upstream's
/// `GOTRUE_SAML_RELAY_STATE_VALIDITY_PERIOD` default, two minutes).
const RELAY_STATE_LIFETIME: i64 = 120;

/// The largest metadata document read from a `metadata_url`.
const METADATA_LIMIT: usize = 1024 * 1024;

/// The name id formats upstream accepts for `name_id_format`.
const NAME_ID_FORMATS: [&str; 4] = [
    "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
    "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
];

/// The body of `POST /sso`.
#[derive(Debug, Default, Deserialize)]
pub struct SsoParams {
    /// The provider's id (a UUID); or
    provider_id: Option<String>,
    /// an email domain one provider has.
    domain: Option<String>,
    /// Where the app wants the browser back.
    redirect_to: Option<String>,
    /// `true`: answer `{url}` instead of redirecting (what auth-js asks).
    skip_http_redirect: Option<bool>,
    /// The PKCE challenge, when the app uses the PKCE flow.
    #[serde(flatten)]
    pkce: PkceParams,
}

/// `POST /sso`: records the flow and sends the browser (or answers the URL) to the identity
/// provider's sign-in.
pub async fn start(
    State(state): State<AppState>,
    ApiJson(params): ApiJson<SsoParams>,
) -> ApiResult<Response> {
    let provider_id = params.provider_id.as_deref().filter(|id| !id.is_empty());
    let domain = params.domain.as_deref().filter(|domain| !domain.is_empty());
    let provider = match (provider_id, domain) {
        (Some(_), Some(_)) => {
            return Err(ApiError::validation(
                "Only one of provider_id or domain supported",
            ));
        }
        (None, None) => {
            return Err(ApiError::validation(
                "A provider_id or domain needs to be provided",
            ));
        }
        (Some(id), None) => {
            // Upstream reads the id as a UUID while parsing the body.
            let id = uuid::Uuid::parse_str(id).map_err(|_| {
                ApiError::bad_request(
                    ErrorCode::BadJson,
                    "Could not parse request body as JSON: provider_id is not a UUID",
                )
            })?;
            store::sso_provider(&state.db.read, &id.to_string())
                .await?
                .ok_or_else(|| {
                    ApiError::not_found(ErrorCode::SsoProviderNotFound, "No such SSO provider")
                })?
        }
        (None, Some(domain)) => {
            store::sso_provider_by_domain(&state.db.read, &domain.to_lowercase())
                .await?
                .ok_or_else(|| {
                    ApiError::not_found(
                        ErrorCode::SsoProviderNotFound,
                        "No SSO provider assigned for this domain",
                    )
                })?
        }
    };
    if !provider.is_enabled() {
        return Err(ApiError::not_found(
            ErrorCode::SsoProviderDisabled,
            "SSO Provider is currently disabled",
        ));
    }
    let pkce = params.pkce.validate()?;
    let (challenge, method) = pkce
        .as_ref()
        .map_or(("", ""), |pkce| (pkce.challenge.as_str(), pkce.method));
    let referrer = redirect::resolve(&state.config, params.redirect_to.as_deref());
    let relay_state = uuid::Uuid::new_v4().to_string();
    store::insert_oauth_flow(
        &state.db.write,
        &relay_state,
        METHOD,
        challenge,
        method,
        &format!("sso:{}", provider.id),
        &referrer,
        None,
    )
    .await?;
    let url = dev_saml::sign_in_url(&state.config.issuer(), &relay_state);
    if params.skip_http_redirect == Some(true) {
        return Ok(Json(json!({ "url": url })).into_response());
    }
    Ok(redirect::see_other(&url))
}

/// The started sign-in `relay_state`, if it exists and is unused; the assertion's errors as
/// upstream gives them.
pub async fn relay_state(
    db: &mut SqliteConnection,
    relay_state: &str,
) -> ApiResult<(OAuthFlow, SsoProvider)> {
    let not_found = || {
        ApiError::not_found(
            ErrorCode::SamlRelayStateNotFound,
            "SAML RelayState does not exist, try logging in again?",
        )
    };
    let flow = store::oauth_flow(&mut *db, relay_state, METHOD)
        .await?
        .filter(|flow| flow.user_id.is_none())
        .ok_or_else(not_found)?;
    let created = parse_rfc3339(Some(&flow.created_at)).unwrap_or_else(Utc::now);
    if (Utc::now() - created).num_seconds() >= RELAY_STATE_LIFETIME {
        return Err(ApiError::unprocessable(
            ErrorCode::SamlRelayStateExpired,
            "SAML RelayState has expired. Try logging in again?",
        ));
    }
    let provider_id = flow.provider_type.strip_prefix("sso:").unwrap_or_default();
    let provider = store::sso_provider(&mut *db, provider_id)
        .await?
        .ok_or_else(not_found)?;
    if !provider.is_enabled() {
        return Err(ApiError::not_found(
            ErrorCode::SsoProviderDisabled,
            "SSO Provider assigned for this domain is currently disabled",
        ));
    }
    Ok((flow, provider))
}

/// The assertion for `relay_state` signs its user in (or up); returns where the browser goes:
/// the app's redirect with `?code=` (PKCE) or the session in the fragment.
pub async fn sign_in(
    state: &AppState,
    relay_state: &str,
    assertion: &Assertion,
) -> ApiResult<String> {
    let mut tx = state.db.write.begin().await?;
    // Read in the write transaction: of two assertions racing for one RelayState, the second
    // finds it used. `relay_state` refuses a used or expired one.
    let (flow, provider) = self::relay_state(&mut tx, relay_state).await?;
    let user = sso_user(state, &mut tx, &provider, assertion).await?;
    let location = complete(state, &mut tx, &flow, &user, None).await?;
    tx.commit().await?;
    Ok(location)
}

/// The SSO user of `assertion`'s identity at `provider`, made on first sign-in: an account of its
/// own even when another account has the same address (SSO accounts are never linked by address,
/// as upstream).
async fn sso_user(
    state: &AppState,
    tx: &mut SqliteConnection,
    provider: &SsoProvider,
    assertion: &Assertion,
) -> ApiResult<User> {
    let provider_type = format!("sso:{}", provider.id);
    let mut identity_data = json!({
        "iss": provider.entity_id,
        "sub": assertion.subject,
        "email": assertion.email,
        "email_verified": true,
        "custom_claims": {},
    });
    if let Some(name) = &assertion.name {
        identity_data["name"] = json!(name);
        identity_data["full_name"] = json!(name);
    }
    if let Some((identity_id, user_id)) =
        store::sso_identity_user(&mut *tx, &provider_type, &assertion.subject).await?
    {
        store::record_identity_sign_in(
            &mut *tx,
            &identity_id,
            &identity_data,
            Some(&assertion.email),
        )
        .await?;
        store::patch_metadata(&mut *tx, &user_id, store::Metadata::User, &identity_data).await?;
        return store::user_by_id(&mut *tx, &user_id)
            .await?
            .ok_or_else(|| ApiError::internal("a user vanished inside its transaction"));
    }
    let identity = NewIdentity {
        provider: &provider_type,
        subject: &assertion.subject,
        email: Some(&assertion.email),
        sso: true,
        data: &identity_data,
    };
    sign_up_with_identity(state, tx, &identity).await
}

/// The development identity provider's page for the sign-in its query names.
pub async fn dev_sign_in_page(
    State(state): State<AppState>,
    axum::extract::Query(query): axum::extract::Query<SignInQuery>,
) -> Response {
    let relay_state = query.relay_state.unwrap_or_default();
    match waiting_sign_in(&state, &relay_state).await {
        Ok((_, provider, domains)) => dev_saml::sign_in_page(
            &relay_state,
            &dev_saml::Provider {
                id: &provider.id,
                entity_id: &provider.entity_id,
                domains: &domains,
            },
        ),
        Err(error) => dev_saml::problem_page(&error),
    }
}

/// The developer's decision on that page: approved, the assertion signs the user in and the
/// browser goes back to the app; denied, the app gets `error=access_denied`. As upstream's
/// assertion consumer, errors after the decision go to the site URL, in the query.
pub async fn dev_decide(
    State(state): State<AppState>,
    axum::Form(decision): axum::Form<Decision>,
) -> Response {
    let relay_state = decision.relay_state.clone().unwrap_or_default();
    let (flow, provider, domains) = match waiting_sign_in(&state, &relay_state).await {
        Ok(found) => found,
        Err(error) => return dev_saml::problem_page(&error),
    };
    let referrer = flow
        .referrer
        .clone()
        .unwrap_or_else(|| state.config.site_url.to_string());
    let outcome = dev_saml::decide(
        &decision,
        &dev_saml::Provider {
            id: &provider.id,
            entity_id: &provider.entity_id,
            domains: &domains,
        },
    );
    match outcome {
        Outcome::Again(form) => form,
        Outcome::Denied => {
            if let Err(error) = store::delete_flow(&state.db.write, &flow.id).await {
                return ApiError::from(error).into_response();
            }
            let pairs = [
                ("error", "access_denied"),
                ("error_description", "The user denied the request"),
            ];
            redirect::see_other(&redirect::error_location(&referrer, &pairs))
        }
        Outcome::Approved(assertion) => match sign_in(&state, &relay_state, &assertion).await {
            Ok(location) => redirect::see_other(&location),
            Err(error) => {
                let kind = if error.status == StatusCode::INTERNAL_SERVER_ERROR {
                    "server_error"
                } else {
                    "invalid_request"
                };
                let pairs = [
                    ("error", kind),
                    ("error_code", error.code.as_str()),
                    ("error_description", error.message.as_str()),
                ];
                let site = state.config.site_url.to_string();
                redirect::see_other(&redirect::error_location(&site, &pairs))
            }
        },
    }
}

/// The sign-in `relay_state` waiting for its assertion, its provider and the provider's domains.
async fn waiting_sign_in(
    state: &AppState,
    relay_state: &str,
) -> ApiResult<(OAuthFlow, SsoProvider, Vec<String>)> {
    let mut db = state.db.read.acquire().await?;
    let (flow, provider) = self::relay_state(&mut db, relay_state).await?;
    let domains = store::sso_domains(&mut *db, &provider.id).await?;
    Ok((flow, provider, domains))
}

/// `POST /sso/saml/acs`: an identity provider's signed response. local-auth cannot check XML
/// signatures, so it takes none; its development page signs users in instead.
pub async fn acs() -> ApiError {
    ApiError::validation(
        "SAML Assertion is not valid: local-auth cannot check an identity provider's signed \
         assertions; sign in through its development identity provider (POST /sso)",
    )
}

/// Keeps the development SSO provider registered with exactly `domains` (lowercased): its entity
/// is this server's development identity provider. A domain another provider has stays with it
/// (logged).
pub async fn register_development_provider(
    db: &crate::db::Db,
    issuer: &str,
    domains: &[String],
) -> sqlx::Result<()> {
    /// The development provider's resource id: it stays one provider while the issuer changes.
    const RESOURCE_ID: &str = "local-auth-development";
    let entity_id = format!("{issuer}{}", dev_saml::SIGN_IN_PATH);
    let metadata_xml = format!(
        "<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"{entity}\">\
         <IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\
         <SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" \
         Location=\"{entity}\"/></IDPSSODescriptor></EntityDescriptor>",
        entity = crate::html::escape(&entity_id)
    );
    let mut tx = db.write.begin().await?;
    let now = now_rfc3339();
    let provider = match store::sso_provider_by_resource_id(&mut *tx, RESOURCE_ID).await? {
        Some(provider) => SsoProvider {
            entity_id,
            metadata_xml,
            updated_at: now,
            ..provider
        },
        None => SsoProvider {
            id: uuid::Uuid::new_v4().to_string(),
            resource_id: Some(RESOURCE_ID.to_owned()),
            disabled: None,
            entity_id,
            metadata_xml,
            metadata_url: None,
            attribute_mapping: "{}".to_owned(),
            name_id_format: None,
            created_at: now.clone(),
            updated_at: now,
        },
    };
    let mut free = Vec::with_capacity(domains.len());
    for domain in domains {
        match store::sso_provider_by_domain(&mut *tx, domain).await? {
            Some(owner) if owner.id != provider.id => tracing::warn!(
                "LOCAL_AUTH_SAML_DEV_DOMAINS: {domain} belongs to SSO provider {}; left with it",
                owner.id
            ),
            _ => free.push(domain.clone()),
        }
    }
    store::save_sso_provider(&mut tx, &provider).await?;
    store::set_sso_domains(&mut tx, &provider.id, &free).await?;
    tx.commit().await
}

/// The query of `GET /sso/saml/metadata`.
#[derive(Debug, Default, Deserialize)]
pub struct MetadataQuery {
    /// `true`: served as a download.
    download: Option<String>,
}

/// `GET /sso/saml/metadata`: this service provider's metadata, for an identity provider's
/// configuration.
pub async fn metadata(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<MetadataQuery>,
) -> Response {
    let issuer = crate::html::escape(&state.config.issuer());
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" \
         entityID=\"{issuer}/sso/saml/metadata\">\
         <SPSSODescriptor AuthnRequestsSigned=\"false\" WantAssertionsSigned=\"true\" \
         protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\
         <NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat>\
         <AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" \
         Location=\"{issuer}/sso/saml/acs\" index=\"0\"/>\
         </SPSSODescriptor></EntityDescriptor>"
    );
    let mut response = ([(header::CONTENT_TYPE, "application/xml")], xml).into_response();
    if query.download.as_deref() == Some("true") {
        response.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"metadata.xml\""),
        );
    }
    response
}

/// The body of `POST /admin/sso/providers` and `PUT /admin/sso/providers/{id}`.
#[derive(Debug, Default, Deserialize)]
pub struct ProviderParams {
    #[serde(rename = "type")]
    kind: Option<String>,
    metadata_url: Option<String>,
    metadata_xml: Option<String>,
    domains: Option<Vec<String>>,
    attribute_mapping: Option<Value>,
    name_id_format: Option<String>,
    resource_id: Option<String>,
    disabled: Option<bool>,
}

impl ProviderParams {
    fn validate(&self, for_update: bool) -> ApiResult<()> {
        let xml = self.metadata_xml.as_deref().filter(|xml| !xml.is_empty());
        let url = self.metadata_url.as_deref().filter(|url| !url.is_empty());
        if !for_update && self.kind.as_deref() != Some("saml") {
            return Err(ApiError::validation(
                "Only 'saml' supported for SSO provider type",
            ));
        }
        if xml.is_some() && url.is_some() {
            return Err(ApiError::validation(
                "Only one of metadata_xml or metadata_url needs to be set",
            ));
        }
        if !for_update && xml.is_none() && url.is_none() {
            return Err(ApiError::validation(
                "Either metadata_xml or metadata_url must be set",
            ));
        }
        if let Some(url) = url {
            let parsed = url::Url::parse(url)
                .map_err(|_| ApiError::validation("metadata_url is not a valid URL"))?;
            if parsed.scheme() != "https" {
                return Err(ApiError::validation("metadata_url is not a HTTPS URL"));
            }
        }
        if let Some(format) = self.name_id_format.as_deref().filter(|f| !f.is_empty())
            && !NAME_ID_FORMATS.contains(&format)
        {
            return Err(ApiError::validation(format!(
                "name_id_format must be unspecified or one of {}",
                NAME_ID_FORMATS.join(", ")
            )));
        }
        if self
            .attribute_mapping
            .as_ref()
            .is_some_and(|mapping| !mapping.is_object())
        {
            return Err(ApiError::validation("attribute_mapping must be an object"));
        }
        Ok(())
    }

    /// The metadata document and its entity id, when the request sets one.
    async fn metadata(&self) -> ApiResult<Option<(String, String)>> {
        let xml = match (
            self.metadata_xml.as_deref().filter(|xml| !xml.is_empty()),
            self.metadata_url.as_deref().filter(|url| !url.is_empty()),
        ) {
            (Some(xml), _) => xml.to_owned(),
            (None, Some(url)) => fetch_metadata(url).await?,
            (None, None) => return Ok(None),
        };
        let entity_id = entity_id(&xml)?;
        Ok(Some((xml, entity_id)))
    }

    /// The domains asked for, lowercased, without repeats; `validation_failed` for one that is
    /// not a domain.
    fn domains(&self) -> ApiResult<Option<Vec<String>>> {
        let Some(domains) = &self.domains else {
            return Ok(None);
        };
        let mut clean = Vec::with_capacity(domains.len());
        for domain in domains {
            let domain = domain.trim().to_lowercase();
            let valid = !domain.is_empty()
                && domain.len() <= 253
                && domain.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if !valid {
                return Err(ApiError::validation(format!(
                    "SSO domain {domain:?} is not a valid domain"
                )));
            }
            if !clean.contains(&domain) {
                clean.push(domain);
            }
        }
        Ok(Some(clean))
    }
}

/// The entity id of an identity provider's metadata: one `EntityDescriptor` (alone or the only
/// one in an `EntitiesDescriptor`) with an `entityID` and exactly one `IDPSSODescriptor`.
fn entity_id(xml: &str) -> ApiResult<String> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 10_000,
    };
    let document = roxmltree::Document::parse_with_options(xml, options).map_err(|error| {
        ApiError::validation(format!("SAML Metadata XML could not be parsed: {error}"))
    })?;
    let root = document.root_element();
    let descriptor = match root.tag_name().name() {
        "EntityDescriptor" => root,
        "EntitiesDescriptor" => {
            let mut entities = root
                .children()
                .filter(|node| node.has_tag_name("EntityDescriptor"));
            match (entities.next(), entities.next()) {
                (Some(entity), None) => entity,
                _ => {
                    return Err(ApiError::validation(
                        "SAML Metadata must contain exactly one EntityDescriptor",
                    ));
                }
            }
        }
        _ => {
            return Err(ApiError::validation(
                "SAML Metadata XML is not an EntityDescriptor",
            ));
        }
    };
    let entity_id = descriptor
        .attribute("entityID")
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ApiError::validation("SAML Metadata does not contain an EntityID"))?;
    match descriptor
        .children()
        .filter(|node| node.has_tag_name("IDPSSODescriptor"))
        .count()
    {
        0 => Err(ApiError::validation(
            "SAML Metadata does not contain any IDPSSODescriptor",
        )),
        1 => Ok(entity_id.to_owned()),
        _ => Err(ApiError::validation(
            "SAML Metadata contains multiple IDPSSODescriptors",
        )),
    }
}

/// The metadata document at `url` (HTTPS, at most [`METADATA_LIMIT`] bytes).
async fn fetch_metadata(url: &str) -> ApiResult<String> {
    let failed = |detail: String| {
        ApiError::bad_request(
            ErrorCode::SamlMetadataFetchFailed,
            format!("Error fetching SAML Metadata from URL '{url}': {detail}"),
        )
    };
    // No redirects followed (the document is the URL's own), and a bounded wait.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(ApiError::internal)?;
    let mut response = client
        .get(url)
        .header(header::ACCEPT, "application/xml;charset=UTF-8")
        .send()
        .await
        .map_err(|error| failed(error.without_url().to_string()))?;
    if response.status() != StatusCode::OK {
        return Err(failed(format!("HTTP {}", response.status().as_u16())));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| failed(error.without_url().to_string()))?
    {
        if body.len() + chunk.len() > METADATA_LIMIT {
            return Err(failed("the document is larger than 1 MiB".to_owned()));
        }
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body).map_err(|_| {
        ApiError::validation(
            "SAML Metadata XML contains invalid UTF-8 characters, which are not supported at this time",
        )
    })
}

/// The provider named in the path: its id, or `resource_<resource id>`.
async fn load(state: &AppState, idp_id: &str) -> ApiResult<SsoProvider> {
    let found = match idp_id.strip_prefix("resource_") {
        Some(resource_id) => {
            store::sso_provider_by_resource_id(&state.db.read, resource_id).await?
        }
        None => match uuid::Uuid::parse_str(idp_id) {
            Ok(id) => store::sso_provider(&state.db.read, &id.to_string()).await?,
            Err(_) => None,
        },
    };
    found.ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::SsoProviderNotFound,
            "SSO Identity Provider not found",
        )
    })
}

/// `provider` as the admin API answers it, with its domains.
async fn provider_json(
    state: &AppState,
    provider: &SsoProvider,
    with_metadata: bool,
) -> ApiResult<Value> {
    let domains = store::sso_domains(&state.db.read, &provider.id).await?;
    Ok(provider.to_json(&domains, with_metadata))
}

/// The query of `GET /admin/sso/providers`.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    resource_id: Option<String>,
    resource_id_prefix: Option<String>,
}

/// `GET /admin/sso/providers`: `{items}`, without their metadata documents.
pub async fn list(
    State(state): State<AppState>,
    _: ServiceRole,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Value>> {
    let providers = store::sso_providers(
        &state.db.read,
        query.resource_id.as_deref(),
        query.resource_id_prefix.as_deref(),
    )
    .await?;
    let mut items = Vec::with_capacity(providers.len());
    for provider in &providers {
        items.push(provider_json(&state, provider, false).await?);
    }
    Ok(Json(json!({ "items": items })))
}

/// `POST /admin/sso/providers`: 201 with the new provider.
pub async fn create(
    State(state): State<AppState>,
    _: ServiceRole,
    ApiJson(params): ApiJson<ProviderParams>,
) -> ApiResult<Response> {
    params.validate(false)?;
    let domains = params.domains()?.unwrap_or_default();
    let (metadata_xml, entity_id) = params
        .metadata()
        .await?
        .ok_or_else(|| ApiError::validation("Either metadata_xml or metadata_url must be set"))?;
    let mut tx = state.db.write.begin().await?;
    if store::sso_provider_by_entity_id(&mut *tx, &entity_id)
        .await?
        .is_some()
    {
        return Err(ApiError::unprocessable(
            ErrorCode::SamlIdpAlreadyExists,
            format!("SAML Identity Provider with this EntityID ({entity_id}) already exists"),
        ));
    }
    let now = now_rfc3339();
    let provider = SsoProvider {
        id: uuid::Uuid::new_v4().to_string(),
        resource_id: params.resource_id.clone().filter(|id| !id.is_empty()),
        disabled: params.disabled,
        entity_id,
        metadata_xml,
        metadata_url: params.metadata_url.clone().filter(|url| !url.is_empty()),
        attribute_mapping: params
            .attribute_mapping
            .as_ref()
            .map_or_else(|| "{}".to_owned(), Value::to_string),
        name_id_format: params.name_id_format.clone().filter(|f| !f.is_empty()),
        created_at: now.clone(),
        updated_at: now,
    };
    claim_domains(&mut tx, &provider.id, &domains).await?;
    store::save_sso_provider(&mut tx, &provider).await?;
    store::set_sso_domains(&mut tx, &provider.id, &domains).await?;
    tx.commit().await?;
    let json = provider_json(&state, &provider, true).await?;
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

/// `400 sso_domain_already_exists` when one of `domains` belongs to a provider other than `id`.
async fn claim_domains(db: &mut SqliteConnection, id: &str, domains: &[String]) -> ApiResult<()> {
    for domain in domains {
        if let Some(owner) = store::sso_provider_by_domain(&mut *db, domain).await?
            && owner.id != id
        {
            return Err(ApiError::bad_request(
                ErrorCode::SsoDomainAlreadyExists,
                format!(
                    "SSO Domain '{domain}' is already assigned to an SSO identity provider ({})",
                    owner.id
                ),
            ));
        }
    }
    Ok(())
}

/// `GET /admin/sso/providers/{id}`: the provider with its metadata.
pub async fn get(
    State(state): State<AppState>,
    _: ServiceRole,
    Path(idp_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let provider = load(&state, &idp_id).await?;
    Ok(Json(provider_json(&state, &provider, true).await?))
}

/// `PUT /admin/sso/providers/{id}`: changes what the body names (metadata of the same entity,
/// domains when the list is given, mapping, name id format, resource id, `disabled`).
pub async fn update(
    State(state): State<AppState>,
    _: ServiceRole,
    Path(idp_id): Path<String>,
    ApiJson(params): ApiJson<ProviderParams>,
) -> ApiResult<Json<Value>> {
    params.validate(true)?;
    let domains = params.domains()?;
    let metadata = params.metadata().await?;
    let mut provider = load(&state, &idp_id).await?;
    if let Some((xml, entity_id)) = metadata {
        if entity_id != provider.entity_id {
            return Err(ApiError::bad_request(
                ErrorCode::SamlEntityIdMismatch,
                format!(
                    "SAML Metadata can be updated only if the EntityID matches for the provider; \
                     expected '{}' but got '{entity_id}'",
                    provider.entity_id
                ),
            ));
        }
        provider.metadata_xml = xml;
        if let Some(url) = params.metadata_url.clone().filter(|url| !url.is_empty()) {
            provider.metadata_url = Some(url);
        }
    }
    if let Some(mapping) = &params.attribute_mapping {
        provider.attribute_mapping = mapping.to_string();
    }
    // As upstream: an absent or empty `name_id_format` clears it.
    provider.name_id_format = params.name_id_format.clone().filter(|f| !f.is_empty());
    if let Some(resource_id) = &params.resource_id {
        provider.resource_id = Some(resource_id.clone()).filter(|id| !id.is_empty());
    }
    if let Some(disabled) = params.disabled {
        provider.disabled = Some(disabled);
    }
    provider.updated_at = now_rfc3339();
    let mut tx = state.db.write.begin().await?;
    if let Some(domains) = &domains {
        claim_domains(&mut tx, &provider.id, domains).await?;
    }
    store::save_sso_provider(&mut tx, &provider).await?;
    if let Some(domains) = &domains {
        store::set_sso_domains(&mut tx, &provider.id, domains).await?;
    }
    tx.commit().await?;
    Ok(Json(provider_json(&state, &provider, true).await?))
}

/// `DELETE /admin/sso/providers/{id}`: removes it and its domains; answers what was removed.
/// Its users stay (they can no longer sign in through it).
pub async fn delete(
    State(state): State<AppState>,
    _: ServiceRole,
    Path(idp_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let provider = load(&state, &idp_id).await?;
    let json = provider_json(&state, &provider, true).await?;
    let mut tx = state.db.write.begin().await?;
    store::delete_sso_provider(&mut tx, &provider.id).await?;
    tx.commit().await?;
    Ok(Json(json))
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDP: &str = "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" \
        entityID=\"https://idp.example.com/saml\"><md:IDPSSODescriptor \
        protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"/></md:EntityDescriptor>";

    #[test]
    fn metadata_names_one_identity_provider() {
        assert_eq!(entity_id(IDP).unwrap(), "https://idp.example.com/saml");
        let wrapped = format!(
            "<EntitiesDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\">{IDP}</EntitiesDescriptor>"
        );
        assert_eq!(entity_id(&wrapped).unwrap(), "https://idp.example.com/saml");
        for bad in [
            "not xml",
            "<EntityDescriptor entityID=\"x\"/>",
            "<EntityDescriptor><IDPSSODescriptor/></EntityDescriptor>",
            "<EntityDescriptor entityID=\"x\"><IDPSSODescriptor/><IDPSSODescriptor/></EntityDescriptor>",
            "<Other entityID=\"x\"><IDPSSODescriptor/></Other>",
            // A DTD (entity expansion) is refused before anything is expanded.
            "<!DOCTYPE a [<!ENTITY b \"c\">]><EntityDescriptor entityID=\"&b;\"><IDPSSODescriptor/></EntityDescriptor>",
        ] {
            let error = entity_id(bad).unwrap_err();
            assert_eq!(error.code, ErrorCode::ValidationFailed, "{bad}");
        }
    }
}

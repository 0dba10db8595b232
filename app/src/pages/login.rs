//! `/auth/login`: password sign-in, passkeys (a button, and the browser's autofill), browser
//! wallets (Ethereum, Solana), a link and code by mail, OAuth providers, single sign-on and guest
//! sign-in, with their server functions.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    auth::{AuthError, Ceremony, wallet, webauthn},
    components::{CaptchaAnswer, CaptchaScript, CaptchaWidget, FormError, SubmitButton},
    routes::url_query,
};

/// The sign-in page. `?next=` says where to go afterwards.
#[component]
pub fn LoginPage() -> impl IntoView {
    let sign_in = ServerAction::<SignIn>::new();
    let email_sign_in = ServerAction::<EmailSignIn>::new();
    let options = AsyncDerived::new(sign_in_options);
    let query = use_query_map();
    let next = crate::routes::use_next();

    let ended = move || {
        query
            .read()
            .get("ended")
            .and_then(|code| ended_sentence(&code))
    };

    view! {
        <section class="card auth-card" aria-labelledby="login-title">
            <h1 id="login-title">"Sign in"</h1>
            {move || ended().map(|sentence| view! { <p class="notice" role="status">{sentence}</p> })}
            <ActionForm action=sign_in attr:class="stack">
                <input type="hidden" name="next" value=next />
                <label for="login-email">"Email"</label>
                // `webauthn`: browsers that can offer the user's passkeys in this field's autofill.
                <input id="login-email" type="email" name="email" autocomplete="username webauthn" required />
                <label for="login-password">"Password"</label>
                <input
                    id="login-password"
                    type="password"
                    name="password"
                    autocomplete="current-password"
                    required
                />
                <CaptchaWidget />
                <FormError action=sign_in />
                <SubmitButton label="Sign in" pending="Signing in…" />
            </ActionForm>
            <Passkeys options next />
            <WalletButtons options next />
            <p class="aside">
                <A href=crate::routes::path::FORGOT_PASSWORD>"Forgot your password?"</A>
            </p>
            <h2>"Or sign in by email"</h2>
            <p class="aside">"We mail you a sign-in link and a 6-digit code."</p>
            <ActionForm action=email_sign_in attr:class="stack">
                <input type="hidden" name="next" value=next />
                <label for="login-link-email">"Email"</label>
                <input id="login-link-email" type="email" name="email" autocomplete="email" required />
                <CaptchaWidget />
                <FormError action=email_sign_in />
                <SubmitButton
                    label="Email me a link and code"
                    pending="Sending…"
                    secondary=true
                />
            </ActionForm>
            <OtherWays options next />
            <SingleSignOn options next />
            <ThirdParty next />
            <p class="aside">"No account yet? " <A href=crate::routes::path::SIGN_UP>"Sign up"</A></p>
            <CaptchaScript />
        </section>
    }
}

/// Why the auth server ended the session the visitor had (`?ended=`, set by the server's page
/// guard), in the words of the error page; nothing for codes that do not end a session.
fn ended_sentence(code: &str) -> Option<String> {
    supabase_ssr::ErrorCode::parse(code)
        .ends_session()
        .then(|| AuthError::on_arrival(code).to_string())
}

/// Passkey sign-in, when the auth server offers it.
#[component]
fn Passkeys(
    options: AsyncDerived<Result<crate::auth::SignInOptions, AuthError>>,
    next: impl Fn() -> String + Send + Sync + Copy + 'static,
) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || {
                options
                    .get()
                    .and_then(Result::ok)
                    .filter(|options| options.passkeys)
                    .map(|_| view! { <PasskeySignIn next=next() /> })
            }}
        </Transition>
    }
}

/// "Sign in with a passkey", and the same through the email field's autofill where the browser
/// offers passkeys there (conditional mediation). An island that renders nothing until it knows
/// the browser can run the ceremony, so without JavaScript there is no button to press.
#[island(lazy)]
fn PasskeySignIn(next: String) -> impl IntoView {
    let supported = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let next = StoredValue::new(next);

    // Answers a ceremony: the session lands in the cookies, then the page moves on.
    let finish = move |ceremony: Ceremony, credential: String| async move {
        match passkey_sign_in(ceremony.id, credential, Some(next.get_value())).await {
            Ok(target) => {
                let _ = window().location().assign(&target);
            }
            Err(failed) => {
                error.set(Some(failed.to_string()));
                busy.set(false);
            }
        }
    };
    // The autofill: from page load until the person picks a passkey there or presses the button.
    Effect::new(move |_| {
        if !webauthn::supported() {
            return;
        }
        supported.set(true);
        leptos::task::spawn_local(async move {
            if !webauthn::conditional_available().await {
                return;
            }
            let Ok(ceremony) = passkey_sign_in_options().await else {
                return;
            };
            if let Ok(credential) = webauthn::autofill(&ceremony.options).await {
                busy.set(true);
                finish(ceremony, credential).await;
            }
        });
    });
    let press = move |_| {
        webauthn::stop_autofill();
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let ceremony = match passkey_sign_in_options().await {
                Ok(ceremony) => ceremony,
                Err(failed) => {
                    error.set(Some(failed.to_string()));
                    busy.set(false);
                    return;
                }
            };
            match webauthn::get(&ceremony.options).await {
                Ok(credential) => finish(ceremony, credential).await,
                Err(failed) => {
                    error.set(Some(failed.to_string()));
                    busy.set(false);
                }
            }
        });
    };

    move || {
        supported.get().then(|| {
            view! {
                <div class="stack passkey-sign-in">
                    <button
                        type="button"
                        class="button secondary"
                        on:click=press
                        disabled=move || busy.get()
                        aria-busy=move || busy.get().to_string()
                    >
                        {move || if busy.get() { "Waiting for your passkey…" } else { "Sign in with a passkey" }}
                    </button>
                    {move || error.get().map(|error| view! { <p class="form-error" role="alert">{error}</p> })}
                </div>
            }
        })
    }
}

/// "Sign in with Ethereum" / "with Solana", for the chains the project signs in with.
#[component]
fn WalletButtons(
    options: AsyncDerived<Result<crate::auth::SignInOptions, AuthError>>,
    next: impl Fn() -> String + Send + Sync + Copy + 'static,
) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || {
                options
                    .get()
                    .and_then(Result::ok)
                    .map(|options| options.wallets)
                    .filter(|chains| !chains.is_empty())
                    .map(|chains| {
                        let chains: Vec<String> =
                            chains.iter().map(|chain| chain.name().to_owned()).collect();
                        // The CAPTCHA widget the wallet sign-in sends the answer of, when the
                        // project checks it; shown only beside the buttons (the stylesheet).
                        // Without a wallet on the page, the island's code is never fetched.
                        view! {
                            <div class="wallet-sign-in" data-island-needs="ethereum solana">
                                <WalletSignIn chains next=next() />
                                <CaptchaWidget />
                            </div>
                        }
                    })
            }}
        </Transition>
    }
}

/// A button per chain whose wallet the browser has (`window.ethereum`, `window.solana`): the
/// wallet signs a sign-in message for this site, the server exchanges it for the session. An
/// island that renders nothing until it has looked for wallets, so without a wallet or without
/// JavaScript there is no button. The chains come by name: an enum prop would put serde's enum
/// code into the bundle every page loads (15 KB compressed, measured).
#[island(lazy)]
fn WalletSignIn(chains: Vec<String>, next: String) -> impl IntoView {
    let chains: Vec<wallet::Chain> = chains
        .iter()
        .filter_map(|name| wallet::Chain::parse(name))
        .collect();
    let available = RwSignal::new(Vec::<wallet::Chain>::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let next = StoredValue::new(next);

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        available.set(
            chains
                .iter()
                .copied()
                .filter(|chain| wallet::available(*chain))
                .collect(),
        );
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = &chains;

    let press = move |chain: wallet::Chain| {
        busy.set(true);
        error.set(None);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let nonce = match wallet_nonce().await {
                Ok(nonce) => nonce,
                Err(failed) => {
                    error.set(Some(failed.to_string()));
                    busy.set(false);
                    return;
                }
            };
            let signed = match wallet::sign(chain, &nonce).await {
                Ok(signed) => signed,
                Err(failed) => {
                    error.set(Some(failed.to_string()));
                    busy.set(false);
                    return;
                }
            };
            let (message, signature) = signed;
            let captcha = captcha_answer();
            match wallet_sign_in(
                chain.name().to_owned(),
                message,
                signature,
                Some(next.get_value()),
                captcha,
            )
            .await
            {
                Ok(target) => {
                    let _ = window().location().assign(&target);
                }
                Err(failed) => {
                    error.set(Some(failed.to_string()));
                    busy.set(false);
                }
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (chain, next);
    };

    move || {
        let chains = available.get();
        (!chains.is_empty()).then(|| {
            view! {
                <div class="stack wallet-buttons">
                    {chains
                        .into_iter()
                        .map(|chain| {
                            view! {
                                <button
                                    type="button"
                                    class="button secondary"
                                    on:click=move |_| press(chain)
                                    disabled=move || busy.get()
                                >
                                    {format!("Sign in with {}", chain.title())}
                                </button>
                            }
                        })
                        .collect_view()}
                    {move || error.get().map(|error| view! { <p class="form-error" role="alert">{error}</p> })}
                </div>
            }
        })
    }
}

/// The answer of the CAPTCHA widget beside the wallet buttons, when there is one.
#[cfg(feature = "hydrate")]
fn captcha_answer() -> CaptchaAnswer {
    let field = |name: &str| {
        leptos::prelude::document()
            .query_selector(&format!(".wallet-sign-in [name=\"{name}\"]"))
            .ok()
            .flatten()
            .and_then(|element| js_sys::Reflect::get(&element, &"value".into()).ok())
            .and_then(|value| value.as_string())
            .filter(|value| !value.is_empty())
    };
    CaptchaAnswer {
        hcaptcha: field("h-captcha-response"),
        turnstile: field("cf-turnstile-response"),
    }
}

/// The other ways in the auth server offers: a button per OAuth provider (plain forms, not
/// actions: the browser leaves for the provider, with or without JavaScript), phone sign-in and
/// guest sign-in.
#[component]
fn OtherWays(
    options: AsyncDerived<Result<crate::auth::SignInOptions, AuthError>>,
    next: impl Fn() -> String + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let oauth = <OauthSignIn as leptos::server_fn::ServerFn>::PATH;
    let guest = ServerAction::<SignInAsGuest>::new();
    view! {
        <Transition fallback=|| ()>
            {move || {
                options
                    .get()
                    .and_then(Result::ok)
                    .filter(|options| !options.providers.is_empty() || options.phone || options.guests)
                    .map(|options| {
                        let phone = options.phone.then(|| {
                            view! {
                                <A href=move || format!("{}?{}", crate::routes::path::PHONE, url_query(&[("next", &next())])) attr:class="button secondary">
                                    "Sign in with a phone number"
                                </A>
                            }
                        });
                        let guests = options.guests.then(|| {
                            view! {
                                <ActionForm action=guest attr:class="inline-form">
                                    <CaptchaWidget />
                                    <button type="submit" class="button secondary">"Continue as guest"</button>
                                </ActionForm>
                                <FormError action=guest />
                            }
                        });
                        view! {
                            <h2>"Or continue with"</h2>
                            <div class="other-ways">
                                {options
                                    .providers
                                    .into_iter()
                                    .map(|provider| {
                                        let label = format!("Continue with {}", provider.name);
                                        view! {
                                            <form method="post" action=oauth class="inline-form">
                                                <input type="hidden" name="provider" value=provider.id />
                                                <input type="hidden" name="next" value=next />
                                                <button type="submit" class="button secondary">{label}</button>
                                            </form>
                                        }
                                    })
                                    .collect_view()}
                                {phone}
                                {guests}
                            </div>
                        }
                    })
            }}
        </Transition>
    }
}

/// "Sign in with SSO", when the auth server offers single sign-on: a work email (or its domain)
/// finds the organisation's identity provider. A plain form, with or without JavaScript: the
/// browser leaves for the provider and comes back to `/auth/callback`.
#[component]
fn SingleSignOn(
    options: AsyncDerived<Result<crate::auth::SignInOptions, AuthError>>,
    next: impl Fn() -> String + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let sso = ServerAction::<SsoSignIn>::new();
    view! {
        <Transition fallback=|| ()>
            {move || {
                options
                    .get()
                    .and_then(Result::ok)
                    .filter(|options| options.sso)
                    .map(|_| {
                        view! {
                            <h2>"Or sign in with SSO"</h2>
                            <ActionForm action=sso attr:class="stack">
                                <input type="hidden" name="next" value=next />
                                <label for="login-sso">"Work email or domain"</label>
                                <input id="login-sso" name="domain" autocomplete="email" required />
                                <CaptchaWidget />
                                <FormError action=sso />
                                <SubmitButton label="Sign in with SSO" pending="Finding your sign-in…" secondary=true />
                            </ActionForm>
                        }
                    })
            }}
        </Transition>
    }
}

/// The third-party provider the site also trusts: its users sign in with the provider's own UI,
/// which this starter leaves to the app (see the README), and locally with local-auth's
/// development page standing in for it. Nothing when no provider is trusted.
#[component]
fn ThirdParty(next: impl Fn() -> String + Send + Sync + Copy + 'static) -> impl IntoView {
    use_context::<crate::auth::ThirdPartySignIn>().map(|offer| {
        let provider = offer.provider.clone();
        let page = offer.development_page.map(|page| {
            let link = development_link(&page, &next());
            let provider = provider.clone();
            view! {
                <p class="dev-hint" data-testid="third-party-dev">
                    "Running locally: local-auth stands in for " {provider.clone()} ". "
                    <a href=link>{format!("Sign in with {provider} (development)")}</a>
                </p>
            }
        });
        view! {
            <h2>{format!("Or sign in with {provider}")}</h2>
            <p class="aside" data-testid="third-party">
                {format!(
                    "This site also accepts {provider} accounts: {provider}'s own sign-in signs \
                     you in, and its session reaches this site in a cookie."
                )}
            </p>
            {page}
        }
    })
}

/// The development issuer's `page`, coming back to `next` on this site once the provider's token
/// is in its cookie.
fn development_link(page: &str, next: &str) -> String {
    #[cfg(feature = "ssr")]
    {
        use crate::auth::ssr::SiteUrl;
        let back = use_context::<SiteUrl>()
            .and_then(|SiteUrl(site)| site.join(next).ok())
            .map(|url| url.to_string())
            .unwrap_or_default();
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("redirect_to", &back)
            .finish();
        format!("{page}?{query}")
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = next;
        page.to_owned()
    }
}

/// Signs in with email and password, then goes to `next`.
#[server(endpoint = "auth/sign-in")]
pub async fn sign_in(
    #[doc = "The email address the form names."] email: String,
    #[doc = "The password typed into the form."] password: String,
    #[doc = "Where to go afterwards; only a path on this site is followed."] next: Option<String>,
    #[server(flatten)]
    #[doc = "The CAPTCHA check's answer, when the form carries one."]
    captcha: CaptchaAnswer,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;
    use supabase_ssr::Credentials;

    answer(async move {
        check_attempt(Attempt::SignIn, Some(&email)).await?;
        let layer = session_layer()?;
        let session = layer
            .client()
            .with_captcha_token(captcha.token())
            .sign_in_with_password(Credentials::Email {
                email: email.trim(),
                password: &password,
            })
            .await?;
        store_session(&layer, &session);
        Ok(go_to(&safe_target(next.as_deref())))
    })
    .await
}

/// Mails a sign-in link and code to `email` (an existing account), then shows the code form.
#[server(endpoint = "auth/email-sign-in")]
pub async fn email_sign_in(
    #[doc = "The email address the form names."] email: String,
    #[doc = "Where to go afterwards; only a path on this site is followed."] next: Option<String>,
    #[server(flatten)]
    #[doc = "The CAPTCHA check's answer, when the form carries one."]
    captcha: CaptchaAnswer,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;
    use supabase_ssr::EmailOptions;

    answer(async move {
        check_attempt(Attempt::CodeRequest, Some(&email)).await?;
        let layer = session_layer()?;
        let email = email.trim().to_owned();
        let next = safe_target(next.as_deref());
        let redirect_to = site_link(&next);
        let sent = layer
            .client()
            .with_captcha_token(captcha.token())
            .sign_in_with_otp(
                &email,
                false,
                EmailOptions {
                    redirect_to: Some(&redirect_to),
                    challenge: None,
                },
            )
            .await;
        sent_or_withheld(sent)?;
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("email", &email)
            .append_pair("next", &next)
            .finish();
        Ok(go_to(&format!("{}?{query}", crate::routes::path::OTP)))
    })
    .await
}

/// The ways to sign in the sign-in page offers besides a password.
#[server(endpoint = "auth/options")]
pub async fn sign_in_options() -> Result<crate::auth::SignInOptions, AuthError> {
    use crate::auth::ssr::session_layer;

    Ok(crate::auth::ssr::sign_in_options(&session_layer()?).await)
}

/// Starts a passkey sign-in: the ceremony the browser runs (no account is named: the
/// authenticator offers the passkeys it holds for this site).
#[server(endpoint = "auth/passkey/options")]
pub async fn passkey_sign_in_options() -> Result<Ceremony, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        check_attempt(Attempt::Passkey, None).await?;
        let layer = session_layer()?;
        Ok(layer
            .client()
            .passkey_authentication_options()
            .await?
            .into())
    })
    .await
}

/// Finishes a passkey sign-in with the browser's `credential` (its `toJSON()`): the auth server
/// checks it, and its session is stored; then goes to `next`. A user with a second factor still
/// enters it on `/auth/mfa`, as after a password.
#[server(endpoint = "auth/passkey/sign-in")]
pub async fn passkey_sign_in(
    #[doc = "The id of the challenge the ceremony answers."] challenge_id: String,
    #[doc = "The authenticator's answer, as JSON text."] credential: String,
    #[doc = "Where to go afterwards; only a path on this site is followed."] next: Option<String>,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        check_attempt(Attempt::Passkey, None).await?;
        let credential = ceremony_answer(&credential)?;
        let layer = session_layer()?;
        let session = layer
            .client()
            .passkey_authentication_verify(&challenge_id, &credential)
            .await?;
        store_session(&layer, &session);
        Ok(go_to(&safe_target(next.as_deref())))
    })
    .await
}

/// Starts signing in with `provider`: keeps a PKCE verifier in this flow's own cookie slot (so
/// flows started in several tabs each complete) and sends the browser to the provider, which
/// returns it to `/auth/callback` with a code. Always posted as a plain form: the browser leaves
/// the app.
#[server(endpoint = "auth/oauth")]
pub async fn oauth_sign_in(
    #[doc = "The sign-in provider's name at the auth server (`github`, `google`, …)."]
    provider: String,
    #[doc = "Where to go afterwards; only a path on this site is followed."] next: Option<String>,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let layer = session_layer()?;
        if !oauth_providers(&layer)
            .await
            .iter()
            .any(|offered| offered.id == provider)
        {
            return Err(AuthError::UnknownProvider);
        }
        let flow = begin_flow(&layer, &safe_target(next.as_deref()));
        let url =
            layer
                .client()
                .authorize_url(&provider, Some(&flow.redirect_to), None, &flow.challenge);
        send_cookies(&flow.cookies);
        leptos_axum::redirect(url.as_str());
        Ok(url.to_string())
    })
    .await
}

/// Starts a wallet sign-in: a fresh nonce for the message to carry, kept in this browser's cookie
/// until the signed message comes back (EIP-4361's server-issued nonce), so a signature signs in
/// only the browser that asked for it.
#[server(endpoint = "auth/wallet/nonce")]
pub async fn wallet_nonce() -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        check_attempt(Attempt::Wallet, None).await?;
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        send_cookies(&[wallet_nonce_cookie(Some(&nonce))]);
        Ok(nonce)
    })
    .await
}

/// Signs in with a wallet's signed sign-in `message` (`signature` as the auth server takes it):
/// the message must carry the nonce this browser was given (the cookie goes, so it serves once),
/// and the server refuses a message it has exchanged before (each signs in once, whatever its
/// validity); then the auth server checks the signature, the site and the times. The session
/// lands in the cookies and the browser goes to `next`.
#[server(endpoint = "auth/wallet")]
pub async fn wallet_sign_in(
    #[doc = "The chain (`ethereum`, `solana`)."] chain: String,
    #[doc = "The signed sign-in message."] message: String,
    #[doc = "The wallet's signature of it."] signature: String,
    #[doc = "Where to go afterwards; only a path on this site is followed."] next: Option<String>,
    #[server(flatten)]
    #[doc = "The CAPTCHA check's answer, when the page carries one."]
    captcha: CaptchaAnswer,
) -> Result<String, AuthError> {
    use crate::auth::{Wallets, once::UsedMessages, ssr::*};
    use supabase_ssr::ErrorCode;

    /// The auth server's own bounds (20 KB messages, 88-character signatures), with room.
    const MAX_MESSAGE: usize = 20 * 1024;
    const MAX_SIGNATURE: usize = 200;

    answer(async move {
        check_attempt(Attempt::Wallet, None).await?;
        let offered = use_context::<Wallets>().unwrap_or_default().0;
        let chain = wallet::Chain::parse(&chain)
            .filter(|chain| offered.contains(chain))
            .ok_or(AuthError::UnknownProvider)?;
        if message.len() > MAX_MESSAGE || signature.len() > MAX_SIGNATURE {
            return Err(AuthError::InvalidInput);
        }
        let given = request_cookies()
            .get(WALLET_NONCE_COOKIE)
            .map(str::to_owned);
        send_cookies(&[wallet_nonce_cookie(None)]);
        if given.is_none() || wallet::message_nonce(&message) != given.as_deref() {
            return Err(AuthError::WalletRefused);
        }
        let Some(used) = use_context::<UsedMessages>() else {
            tracing::error!("the server did not provide UsedMessages to the context");
            return Err(AuthError::Unexpected);
        };
        if !used.first_use(chain.name(), &message).await {
            return Err(AuthError::WalletMessageUsed);
        }
        let layer = session_layer()?;
        let session = layer
            .client()
            .with_captcha_token(captcha.token())
            .sign_in_with_web3(chain.name(), &message, &signature)
            .await
            .map_err(|error| match error.code() {
                // A malformed message, or the OAuth-shaped `invalid_grant`: the signature, the
                // site or the times.
                Some(ErrorCode::ValidationFailed) => AuthError::WalletRefused,
                Some(ErrorCode::Other(code)) if code == "invalid_grant" => AuthError::WalletRefused,
                _ => AuthError::from(error),
            })?;
        store_session(&layer, &session);
        Ok(go_to(&safe_target(next.as_deref())))
    })
    .await
}

/// Starts a single sign-on for the organisation of `domain` (a work email or its domain): keeps a
/// PKCE verifier in this flow's cookie slot, asks the auth server for the identity provider's
/// URL and sends the browser there; it comes back to `/auth/callback` with a code.
#[server(endpoint = "auth/sso")]
pub async fn sso_sign_in(
    #[doc = "A work email address, or its domain."] domain: String,
    #[doc = "Where to go afterwards; only a path on this site is followed."] next: Option<String>,
    #[server(flatten)]
    #[doc = "The CAPTCHA check's answer, when the form carries one."]
    captcha: CaptchaAnswer,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let domain = sso_domain(&domain).ok_or(AuthError::NoSso)?;
        let layer = session_layer()?;
        let flow = begin_flow(&layer, &safe_target(next.as_deref()));
        let url = layer
            .client()
            .with_captcha_token(captcha.token())
            .sso_url(&domain, Some(&flow.redirect_to), &flow.challenge)
            .await?;
        send_cookies(&flow.cookies);
        leptos_axum::redirect(url.as_str());
        Ok(url.to_string())
    })
    .await
}

/// Signs in as a new guest (an anonymous user), who can become permanent on `/account`.
#[server(endpoint = "auth/guest")]
pub async fn sign_in_as_guest(
    #[server(flatten)]
    #[doc = "The CAPTCHA check's answer, when the form carries one."]
    captcha: CaptchaAnswer,
) -> Result<String, AuthError> {
    use crate::auth::ssr::*;

    answer(async move {
        let layer = session_layer()?;
        let session = layer
            .client()
            .with_captcha_token(captcha.token())
            .sign_in_anonymously(serde_json::json!({}))
            .await?;
        store_session(&layer, &session);
        Ok(go_to(crate::routes::path::ACCOUNT))
    })
    .await
}

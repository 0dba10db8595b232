//! `/auth/login`: password sign-in, or a link and code by mail.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    auth::{
        account::SignInAsGuest,
        forms::{EmailSignIn, OauthSignIn, SignIn, sign_in_options},
        url_query,
    },
    components::{FormError, SubmitButton},
};

/// The sign-in page. `?next=` says where to go afterwards.
#[component]
pub fn LoginPage() -> impl IntoView {
    let sign_in = ServerAction::<SignIn>::new();
    let email_sign_in = ServerAction::<EmailSignIn>::new();
    let query = use_query_map();
    let next = move || {
        query
            .read()
            .get("next")
            .unwrap_or_else(|| crate::routes::path::PROTECTED.to_owned())
    };

    view! {
        <section class="card auth-card" aria-labelledby="login-title">
            <h1 id="login-title">"Sign in"</h1>
            <ActionForm action=sign_in attr:class="stack">
                <input type="hidden" name="next" value=next />
                <label for="login-email">"Email"</label>
                <input id="login-email" type="email" name="email" autocomplete="email" required />
                <label for="login-password">"Password"</label>
                <input
                    id="login-password"
                    type="password"
                    name="password"
                    autocomplete="current-password"
                    required
                />
                <FormError action=sign_in />
                <SubmitButton label="Sign in" pending="Signing in…" />
            </ActionForm>
            <p class="aside">
                <A href=crate::routes::path::FORGOT_PASSWORD>"Forgot your password?"</A>
            </p>
            <h2>"Or sign in by email"</h2>
            <p class="aside">"We mail you a sign-in link and a 6-digit code."</p>
            <ActionForm action=email_sign_in attr:class="stack">
                <input type="hidden" name="next" value=next />
                <label for="login-link-email">"Email"</label>
                <input id="login-link-email" type="email" name="email" autocomplete="email" required />
                <FormError action=email_sign_in />
                <SubmitButton
                    label="Email me a link and code"
                    pending="Sending…"
                    secondary=true
                />
            </ActionForm>
            <OtherWays next />
            <p class="aside">"No account yet? " <A href=crate::routes::path::SIGN_UP>"Sign up"</A></p>
        </section>
    }
}

/// The other ways in the auth server offers: a button per OAuth provider (plain forms, not
/// actions: the browser leaves for the provider, with or without JavaScript), phone sign-in and
/// guest sign-in.
#[component]
fn OtherWays(next: impl Fn() -> String + Send + Sync + Copy + 'static) -> impl IntoView {
    let options = Resource::new(|| (), |()| sign_in_options());
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
                                        let label = format!("Continue with {}", provider_name(&provider));
                                        view! {
                                            <form method="post" action=oauth class="inline-form">
                                                <input type="hidden" name="provider" value=provider />
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

/// How a provider is usually written: `github` → GitHub.
pub fn provider_name(provider: &str) -> String {
    match provider {
        "github" => "GitHub".to_owned(),
        "gitlab" => "GitLab".to_owned(),
        "linkedin_oidc" => "LinkedIn".to_owned(),
        "slack_oidc" => "Slack".to_owned(),
        "workos" => "WorkOS".to_owned(),
        "x" | "twitter" => "X".to_owned(),
        "email" => "Email".to_owned(),
        "phone" => "Phone".to_owned(),
        other => {
            let mut chars = other.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

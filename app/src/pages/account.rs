//! `/account`: profile, guest upgrade, email and password changes, linked identities,
//! authenticator apps and sign-out scopes. Every form but adding an authenticator app (an island)
//! works without JavaScript.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    auth::{
        AuthError,
        account::{
            AccountView, ChangeEmail, ChangePassword, Enrollment, FactorView, IdentityView,
            LinkIdentity, RemoveFactor, SendReauthenticationCode, SignOutScope, UnlinkIdentity,
            UpdateProfile, UpgradeGuest, account, enroll_totp, verify_new_factor,
        },
    },
    components::{
        BusyButton, CodeField, DevMailboxLink, FormError, NewPasswordFields, SubmitButton,
    },
    pages::login::provider_name,
};

/// The account page.
#[component]
pub fn AccountPage() -> impl IntoView {
    let view = Resource::new(|| (), |()| account());
    let query = use_query_map();
    let done = move || query.read().get("done").map(|done| done_message(&done));
    // These notices follow a mail.
    let mailed = move || {
        query
            .read()
            .get("done")
            .is_some_and(|done| matches!(done.as_str(), "upgrade" | "email" | "code"))
    };

    view! {
        <section class="card account" aria-labelledby="account-title">
            <h1 id="account-title">"Your account"</h1>
            {move || done().map(|message| view! { <p class="notice" role="status">{message}</p> })}
            <Show when=mailed>
                <DevMailboxLink />
            </Show>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    view.get()
                        .map(|answer| match answer {
                            Ok(view) => view! { <AccountSections view /> }.into_any(),
                            Err(error) => {
                                view! { <p class="form-error" role="alert">{error.to_string()}</p> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}

fn done_message(done: &str) -> &'static str {
    match done {
        "profile" => "Your profile is saved.",
        "upgrade" => "Almost there: follow the link we mailed you to confirm the address.",
        "email" => "Confirm the change from the mails we sent (to both addresses when asked).",
        "password" => "Your password is changed. Other devices were signed out.",
        "code" => "We mailed you a code. Enter it with the new password.",
        "unlinked" => "The sign-in method is unlinked.",
        "mfa" => "Your authenticator app is set up.",
        "mfa-removed" => "The authenticator app is removed.",
        "others" => "Every other device is signed out.",
        _ => "Done.",
    }
}

#[component]
fn AccountSections(view: AccountView) -> impl IntoView {
    let update_profile = ServerAction::<UpdateProfile>::new();
    let who = view
        .email
        .clone()
        .or_else(|| view.phone.as_ref().map(|phone| format!("+{phone}")))
        .unwrap_or_else(|| "Guest".to_owned());

    view! {
        <dl class="facts">
            <dt>"Signed in as"</dt>
            <dd data-testid="account-who">{who}</dd>
            <dt>"User id"</dt>
            <dd data-testid="account-id">{view.id.clone()}</dd>
            <dt>"Assurance level"</dt>
            <dd data-testid="account-aal">{view.aal.clone()}</dd>
        </dl>

        <h2>"Profile"</h2>
        <ActionForm action=update_profile attr:class="stack">
            <label for="profile-name">"Display name"</label>
            <input id="profile-name" name="display_name" autocomplete="nickname" value=view.display_name.clone() />
            <FormError action=update_profile />
            <SubmitButton label="Save the profile" pending="Saving…" />
        </ActionForm>

        {if view.is_anonymous {
            view! { <GuestUpgrade linkable=view.linkable.clone() /> }.into_any()
        } else {
            view! {
                <EmailChange current=view.email.clone() pending=view.new_email.clone() />
                <PasswordChange />
                <Identities identities=view.identities.clone() linkable=view.linkable.clone() />
                <Factors factors=view.factors.clone() />
            }
            .into_any()
        }}
        <SignOutEverywhere />
    }
}

/// A guest turns permanent with an email address and password, or by linking a provider.
#[component]
fn GuestUpgrade(linkable: Vec<String>) -> impl IntoView {
    let upgrade = ServerAction::<UpgradeGuest>::new();
    view! {
        <h2>"Keep your account"</h2>
        <p>"You are signed in as a guest. Add a way to sign in to keep what you did here."</p>
        <ActionForm action=upgrade attr:class="stack">
            <label for="upgrade-email">"Email"</label>
            <input id="upgrade-email" type="email" name="email" autocomplete="email" required />
            <NewPasswordFields id="upgrade" label="Password" repeat_label="Repeat the password" />
            <FormError action=upgrade />
            <SubmitButton label="Keep my account" pending="Saving…" />
        </ActionForm>
        <LinkButtons linkable />
    }
}

#[component]
fn EmailChange(current: Option<String>, pending: Option<String>) -> impl IntoView {
    let change_email = ServerAction::<ChangeEmail>::new();
    let pending = pending.map(|address| {
        view! { <p class="hint" data-testid="pending-email">{format!("Waiting for confirmation: {address}")}</p> }
    });
    view! {
        <h2>"Email address"</h2>
        <p>{current.unwrap_or_else(|| "No address yet.".to_owned())}</p>
        {pending}
        <ActionForm action=change_email attr:class="stack">
            <label for="change-email">"New email address"</label>
            <input id="change-email" type="email" name="email" autocomplete="email" required />
            <FormError action=change_email />
            <SubmitButton label="Change the email address" pending="Sending…" secondary=true />
        </ActionForm>
    }
}

#[component]
fn PasswordChange() -> impl IntoView {
    let change_password = ServerAction::<ChangePassword>::new();
    let send_code = ServerAction::<SendReauthenticationCode>::new();
    view! {
        <h2>"Password"</h2>
        <ActionForm action=change_password attr:class="stack">
            <NewPasswordFields id="change" label="New password" repeat_label="Repeat the new password" />
            <CodeField id="change-code" label="Code from the email (if asked)" optional=true />
            <FormError action=change_password />
            <SubmitButton label="Change the password" pending="Saving…" secondary=true />
        </ActionForm>
        <ActionForm action=send_code attr:class="inline-form">
            <SubmitButton label="Email me a code" pending="Sending…" secondary=true />
        </ActionForm>
        <FormError action=send_code />
    }
}

#[component]
fn Identities(identities: Vec<IdentityView>, linkable: Vec<String>) -> impl IntoView {
    let unlink = ServerAction::<UnlinkIdentity>::new();
    view! {
        <h2>"Ways to sign in"</h2>
        <ul class="identities">
            {identities
                .into_iter()
                .map(|identity| {
                    let label = match &identity.email {
                        Some(email) => format!("{} ({email})", provider_name(&identity.provider)),
                        None => provider_name(&identity.provider),
                    };
                    let unlink_label = format!("Unlink {}", provider_name(&identity.provider));
                    view! {
                        <li data-provider=identity.provider.clone()>
                            <span>{label}</span>
                            <ActionForm action=unlink attr:class="inline-form">
                                <input type="hidden" name="identity_id" value=identity.id />
                                <button type="submit" class="button secondary">{unlink_label}</button>
                            </ActionForm>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <FormError action=unlink />
        <LinkButtons linkable />
    }
}

/// "Link GitHub" and the like: plain forms, since the browser leaves for the provider.
#[component]
fn LinkButtons(linkable: Vec<String>) -> impl IntoView {
    let action = <LinkIdentity as leptos::server_fn::ServerFn>::PATH;
    view! {
        <div class="other-ways">
            {linkable
                .into_iter()
                .map(|provider| {
                    let label = format!("Link {}", provider_name(&provider));
                    view! {
                        <form method="post" action=action class="inline-form">
                            <input type="hidden" name="provider" value=provider />
                            <button type="submit" class="button secondary">{label}</button>
                        </form>
                    }
                })
                .collect_view()}
        </div>
    }
}

#[component]
fn Factors(factors: Vec<FactorView>) -> impl IntoView {
    let remove = ServerAction::<RemoveFactor>::new();
    view! {
        <h2>"Authenticator apps"</h2>
        <ul class="factors">
            {factors
                .into_iter()
                .map(|factor| {
                    let status = if factor.verified { "active" } else { "not confirmed" };
                    view! {
                        <li data-testid="factor">
                            <span>{format!("{} ({status})", factor.name)}</span>
                            <ActionForm action=remove attr:class="inline-form">
                                <input type="hidden" name="factor_id" value=factor.id />
                                <button type="submit" class="button secondary">"Remove"</button>
                            </ActionForm>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <FormError action=remove />
        <AddAuthenticator />
    }
}

/// Adds an authenticator app: asks the server for a new factor, shows its QR code and secret,
/// and confirms it with a first code. An island: the secret is shown only in the answer to the
/// enrolment, which a redirect would lose, so this step needs JavaScript. Its forms call the
/// server functions from the browser and stay on the page.
#[island]
fn AddAuthenticator() -> impl IntoView {
    let enrollment = RwSignal::new(None::<Enrollment>);
    let error = RwSignal::new(None::<AuthError>);
    let busy = RwSignal::new(false);
    let name = NodeRef::<leptos::html::Input>::new();
    let code = NodeRef::<leptos::html::Input>::new();
    let start = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let friendly_name = name.get_untracked().map(|input| input.value());
        busy.set(true);
        leptos::task::spawn_local(async move {
            match enroll_totp(friendly_name).await {
                Ok(started) => {
                    error.set(None);
                    enrollment.set(Some(started));
                }
                Err(failed) => error.set(Some(failed)),
            }
            busy.set(false);
        });
    };
    let confirm = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(factor_id) = enrollment
            .with_untracked(|started| started.as_ref().map(|started| started.factor_id.clone()))
        else {
            return;
        };
        let typed = code
            .get_untracked()
            .map(|input| input.value())
            .unwrap_or_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            match verify_new_factor(factor_id, typed).await {
                // The account page shows the new factor, at the session's new level.
                Ok(target) => {
                    let _ = window().location().assign(&target);
                }
                Err(failed) => {
                    error.set(Some(failed));
                    busy.set(false);
                }
            }
        });
    };
    let failure = move || {
        error
            .get()
            .map(|error| view! { <p class="form-error" role="alert">{error.to_string()}</p> })
    };

    move || {
        match enrollment.get() {
            Some(Enrollment { qr_code, secret, .. }) => view! {
                <div class="enrollment">
                    <p>"Scan the QR code with your authenticator app, or type the secret into it. Then enter the code it shows."</p>
                    <img src=qr_code alt="QR code for your authenticator app" width="200" height="200" />
                    <p>"Secret: " <code data-testid="totp-secret">{secret}</code></p>
                    <form class="stack" on:submit=confirm>
                        <CodeField id="factor-code" label="Code from the app" input=code />
                        {failure}
                        <BusyButton busy label="Confirm the app" pending="Checking…" />
                    </form>
                </div>
            }
            .into_any(),
            None => view! {
                <form class="stack" on:submit=start>
                    <label for="factor-name">"Name for the app"</label>
                    <input id="factor-name" name="friendly_name" placeholder="My phone" node_ref=name />
                    <BusyButton busy label="Add an authenticator app" pending="Preparing…" secondary=true />
                </form>
                {failure}
            }
            .into_any(),
        }
    }
}

#[component]
fn SignOutEverywhere() -> impl IntoView {
    let sign_out = ServerAction::<SignOutScope>::new();
    let button = move |scope: &'static str, label: &'static str| {
        view! {
            <ActionForm action=sign_out attr:class="inline-form">
                <input type="hidden" name="scope" value=scope />
                <button type="submit" class="button secondary">{label}</button>
            </ActionForm>
        }
    };
    view! {
        <h2>"Sign out"</h2>
        <div class="other-ways">
            {button("local", "Sign out of this device")}
            {button("others", "Sign out of all other devices")}
            {button("global", "Sign out of all devices")}
        </div>
        <FormError action=sign_out />
    }
}

//! `/account`: profile, guest upgrade, email and password changes, linked identities,
//! authenticator apps and sign-out scopes. Every form but adding an authenticator app works
//! without JavaScript (it shows the secret once, which a redirect would lose).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    auth::{
        account::{
            AccountView, ChangeEmail, ChangePassword, EnrollTotp, FactorView, IdentityView,
            LinkIdentity, RemoveFactor, SendReauthenticationCode, SignOutScope, UnlinkIdentity,
            UpdateProfile, UpgradeGuest, VerifyNewFactor, account,
        },
        use_auth,
    },
    components::{CodeField, FormError, NewPasswordFields, SubmitButton},
    pages::login::provider_name,
};

/// The account page.
#[component]
pub fn AccountPage() -> impl IntoView {
    let auth = use_auth();
    // Read again whenever an auth form has changed the session.
    let view = Resource::new(
        move || auth.session.get().map(|(change, _)| change),
        |_| account(),
    );
    let query = use_query_map();
    let done = move || query.read().get("done").map(|done| done_message(&done));

    view! {
        <section class="card account" aria-labelledby="account-title">
            <h1 id="account-title">"Your account"</h1>
            {move || done().map(|message| view! { <p class="notice" role="status">{message}</p> })}
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
    let auth = use_auth();
    let update_profile = ServerAction::<UpdateProfile>::new();
    auth.follow(update_profile);
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
            <SubmitButton action=update_profile label="Save the profile" pending="Saving…" />
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
    use_auth().follow(upgrade);
    view! {
        <h2>"Keep your account"</h2>
        <p>"You are signed in as a guest. Add a way to sign in to keep what you did here."</p>
        <ActionForm action=upgrade attr:class="stack">
            <label for="upgrade-email">"Email"</label>
            <input id="upgrade-email" type="email" name="email" autocomplete="email" required />
            <NewPasswordFields id="upgrade" label="Password" repeat_label="Repeat the password" />
            <FormError action=upgrade />
            <SubmitButton action=upgrade label="Keep my account" pending="Saving…" />
        </ActionForm>
        <LinkButtons linkable />
    }
}

#[component]
fn EmailChange(current: Option<String>, pending: Option<String>) -> impl IntoView {
    let change_email = ServerAction::<ChangeEmail>::new();
    use_auth().follow(change_email);
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
            <SubmitButton action=change_email label="Change the email address" pending="Sending…" secondary=true />
        </ActionForm>
    }
}

#[component]
fn PasswordChange() -> impl IntoView {
    let change_password = ServerAction::<ChangePassword>::new();
    let send_code = ServerAction::<SendReauthenticationCode>::new();
    let auth = use_auth();
    auth.follow(change_password);
    auth.follow(send_code);
    view! {
        <h2>"Password"</h2>
        <ActionForm action=change_password attr:class="stack">
            <NewPasswordFields id="change" label="New password" repeat_label="Repeat the new password" />
            <CodeField id="change-code" label="Code from the email (if asked)" optional=true />
            <FormError action=change_password />
            <SubmitButton action=change_password label="Change the password" pending="Saving…" secondary=true />
        </ActionForm>
        <ActionForm action=send_code attr:class="inline-form">
            <SubmitButton action=send_code label="Email me a code" pending="Sending…" secondary=true />
        </ActionForm>
        <FormError action=send_code />
    }
}

#[component]
fn Identities(identities: Vec<IdentityView>, linkable: Vec<String>) -> impl IntoView {
    let unlink = ServerAction::<UnlinkIdentity>::new();
    use_auth().follow(unlink);
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
    let enroll = ServerAction::<EnrollTotp>::new();
    let verify = ServerAction::<VerifyNewFactor>::new();
    let auth = use_auth();
    auth.follow(remove);
    auth.follow(verify);
    let enrolled = move || enroll.value().get().and_then(Result::ok);
    let enroll_error = move || {
        enroll
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| view! { <p class="form-error" role="alert">{error.to_string()}</p> })
    };

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
        <Show
            when=move || enrolled().is_some()
            fallback=move || {
                view! {
                    <ActionForm action=enroll attr:class="stack">
                        <label for="factor-name">"Name for the app"</label>
                        <input id="factor-name" name="friendly_name" placeholder="My phone" />
                        <SubmitButton action=enroll label="Add an authenticator app" pending="Preparing…" secondary=true />
                    </ActionForm>
                    {enroll_error}
                }
            }
        >
            {move || {
                enrolled()
                    .map(|enrollment| {
                        view! {
                            <div class="enrollment">
                                <p>"Scan the QR code with your authenticator app, or type the secret into it. Then enter the code it shows."</p>
                                <img src=enrollment.qr_code alt="QR code for your authenticator app" width="200" height="200" />
                                <p>"Secret: " <code data-testid="totp-secret">{enrollment.secret}</code></p>
                                <ActionForm action=verify attr:class="stack">
                                    <input type="hidden" name="factor_id" value=enrollment.factor_id />
                                    <CodeField id="factor-code" label="Code from the app" />
                                    <FormError action=verify />
                                    <SubmitButton action=verify label="Confirm the app" pending="Checking…" />
                                </ActionForm>
                            </div>
                        }
                    })
            }}
        </Show>
    }
}

#[component]
fn SignOutEverywhere() -> impl IntoView {
    let sign_out = ServerAction::<SignOutScope>::new();
    use_auth().follow(sign_out);
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

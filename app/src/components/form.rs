//! Pieces of every auth form: the error line, the code and new-password fields, and the submit
//! button with its pending state.

use leptos::server_fn::ServerFn;
use leptos::{html, prelude::*};

use crate::auth::{AuthError, MIN_PASSWORD_LENGTH};

/// The error of `action`'s last answer, announced to screen readers and focused when it appears.
#[component]
pub fn FormError<S>(action: ServerAction<S>) -> impl IntoView
where
    S: ServerFn<Output = String, Error = AuthError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let node = NodeRef::<html::P>::new();
    let error = move || action.value().get().and_then(Result::err);
    Effect::new(move || {
        if error().is_some()
            && let Some(node) = node.get()
        {
            let _ = node.focus();
        }
    });
    view! {
        <p class="form-error" role="alert" tabindex="-1" node_ref=node hidden=move || error().is_none()>
            {move || error().map(|error| error.to_string())}
        </p>
    }
}

/// A new password typed twice (fields `password` and `password_repeat`), with the minimum length
/// stated under the first. `id` prefixes the element ids.
#[component]
pub fn NewPasswordFields(
    id: &'static str,
    label: &'static str,
    repeat_label: &'static str,
) -> impl IntoView {
    let (first, repeat, hint) = (
        format!("{id}-password"),
        format!("{id}-repeat"),
        format!("{id}-password-hint"),
    );
    view! {
        <label for=first.clone()>{label}</label>
        <input
            id=first
            type="password"
            name="password"
            autocomplete="new-password"
            minlength=MIN_PASSWORD_LENGTH
            aria-describedby=hint.clone()
            required
        />
        <p id=hint class="hint">{format!("At least {MIN_PASSWORD_LENGTH} characters.")}</p>
        <label for=repeat.clone()>{repeat_label}</label>
        <input
            id=repeat
            type="password"
            name="password_repeat"
            autocomplete="new-password"
            minlength=MIN_PASSWORD_LENGTH
            required
        />
    }
}

/// A 6-digit one-time code field (`name="code"`) with its label; required unless `optional`.
#[component]
pub fn CodeField(
    id: &'static str,
    label: &'static str,
    #[prop(optional)] optional: bool,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <input
            id=id
            name="code"
            inputmode="numeric"
            autocomplete="one-time-code"
            pattern="[0-9]{6}"
            maxlength="6"
            required=!optional
        />
    }
}

/// A submit button that is disabled and says `pending` while `action` runs.
#[component]
pub fn SubmitButton<S>(
    action: ServerAction<S>,
    label: &'static str,
    pending: &'static str,
    #[prop(optional)] secondary: bool,
) -> impl IntoView
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    let busy = action.pending();
    view! {
        <button
            type="submit"
            class=if secondary { "button secondary" } else { "button" }
            disabled=move || busy.get()
            aria-busy=move || busy.get().to_string()
        >
            {move || if busy.get() { pending } else { label }}
        </button>
    }
}

//! Pieces of every auth form: the error line, the code and new-password fields, and the submit
//! button with its pending state.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::auth::MIN_PASSWORD_LENGTH;

/// The error a post of `action`'s form was redirected back with, announced to screen readers and
/// focused when the page loads (`autofocus`), so keyboard and screen-reader users land on it.
#[component]
pub fn FormError<S>(action: ServerAction<S>) -> impl IntoView
where
    S: ServerFn<Output = String> + Clone + Send + Sync + 'static,
    S::Error: std::fmt::Display + Clone + Send + Sync + 'static,
{
    let error = action.value().get_untracked().and_then(Result::err);
    let shown = error.is_some();
    view! {
        <p class="form-error" role="alert" tabindex="-1" autofocus=shown hidden=!shown>
            {error.map(|error| error.to_string())}
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
/// `input` gives an island the field to read.
#[component]
pub fn CodeField(
    id: &'static str,
    label: &'static str,
    #[prop(optional)] optional: bool,
    #[prop(optional)] input: NodeRef<leptos::html::Input>,
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
            node_ref=input
        />
    }
}

/// A submit button that, once its form is submitted, is disabled and says `pending` until the next
/// page arrives (an island: without JavaScript it is a plain button). Back/forward navigation
/// that restores the page from the cache shows the button ready again.
#[island]
pub fn SubmitButton(
    /// What the button says.
    #[prop(into)]
    label: String,
    /// What it says while the form posts.
    #[prop(into)]
    pending: String,
    /// A secondary (outlined) button.
    #[prop(optional)]
    secondary: Option<bool>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let button = NodeRef::<leptos::html::Button>::new();
    #[cfg(feature = "hydrate")]
    watch_form(button, busy);
    view! { <BusyButton busy label pending secondary=secondary == Some(true) button /> }
}

/// A submit button that is disabled, `aria-busy` and says `pending` while `busy`: the look of
/// [`SubmitButton`], for islands whose forms call their server function without leaving the page.
#[component]
pub fn BusyButton(
    /// Whether the form is on its way.
    busy: RwSignal<bool>,
    /// What the button says.
    #[prop(into)]
    label: String,
    /// What it says while `busy`.
    #[prop(into)]
    pending: String,
    /// A secondary (outlined) button.
    #[prop(optional)]
    secondary: bool,
    /// The button element, for whoever watches its form.
    #[prop(optional)]
    button: NodeRef<leptos::html::Button>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class=if secondary { "button secondary" } else { "button" }
            node_ref=button
            disabled=move || busy.get()
            aria-busy=move || busy.get().to_string()
        >
            {move || if busy.get() { pending.clone() } else { label.clone() }}
        </button>
    }
}

/// Sets `busy` when the button's form is submitted (`submit` bubbles to the window; it fires only
/// once the form's fields are valid), and clears it when the page is shown again.
#[cfg(feature = "hydrate")]
fn watch_form(button: NodeRef<leptos::html::Button>, busy: RwSignal<bool>) {
    use std::time::Duration;
    use wasm_bindgen::JsCast;

    let on_submit = window_event_listener(leptos::ev::submit, move |event| {
        let ours = button.get_untracked().and_then(|button| button.form());
        let submitted = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlFormElement>().ok());
        if ours.is_some() && ours == submitted {
            // After the browser has read the form's fields: a disabled button is left out of them.
            set_timeout(move || busy.set(true), Duration::ZERO);
        }
    });
    let on_show = window_event_listener_untyped("pageshow", move |_| busy.set(false));
    on_cleanup(move || {
        on_submit.remove();
        on_show.remove();
    });
}

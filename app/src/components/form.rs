//! Pieces of every auth form: the error line and the submit button with its pending state.

use leptos::server_fn::ServerFn;
use leptos::{html, prelude::*};

use crate::auth::AuthError;

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

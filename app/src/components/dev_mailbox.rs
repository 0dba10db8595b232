//! While the app runs with its embedded local-auth, mail and texts are not sent anywhere: they land
//! in the development mailbox. Pages that just sent one say where to read it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The development mailbox's URL; the server provides it while the embedded local-auth runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevMailbox(pub String);

/// "Running locally: the message is in the development mailbox", linking to it; nothing with a
/// real Supabase project.
#[component]
pub fn DevMailboxLink() -> impl IntoView {
    use_context::<DevMailbox>().map(|DevMailbox(url)| {
        view! {
            <p class="dev-hint" data-testid="dev-mailbox">
                "Running locally: mail and texts are not sent, they land in the "
                <a href=url target="_blank" rel="noopener">
                    "development mailbox"
                </a> "."
            </p>
        }
    })
}

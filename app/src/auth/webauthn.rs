//! The browser's half of a WebAuthn ceremony (passkeys and security keys), for the islands that
//! offer them: the server sends the options as JSON, the browser's own parsers and
//! `navigator.credentials` run the ceremony, and the credential goes back as its `toJSON()`. The
//! checks all happen at the auth server; nothing here decides anything.
//!
//! Only browsers with the WebAuthn Level 3 JSON methods (`parseCreationOptionsFromJSON`,
//! `toJSON`) are offered the buttons: [`supported`] is false elsewhere (and on the server, which
//! renders the islands without them), and without JavaScript the islands render nothing.

#[cfg(feature = "hydrate")]
pub use browser::*;

/// Why a ceremony did not give a credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CeremonyError {
    /// The person closed the prompt, or it timed out (`NotAllowedError`).
    Cancelled,
    /// A conditional request was aborted, for a button's modal one (`AbortError`).
    Aborted,
    /// The page's origin does not belong to the relying party (`SecurityError`), e.g. the site
    /// opened at an IP address.
    WrongSite,
    /// This authenticator holds a passkey for the account already (`InvalidStateError`).
    AlreadyRegistered,
    /// Anything else the browser reported.
    Failed(String),
}

impl std::fmt::Display for CeremonyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Cancelled | Self::Aborted => "The passkey prompt was closed. Try again when you are ready.",
            Self::WrongSite => "Passkeys do not work at this address. Open the site by its name (for local development: localhost).",
            Self::AlreadyRegistered => "This device already holds a passkey for your account.",
            Self::Failed(_) => "Your browser could not use a passkey here.",
        })
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use js_sys::{Function, JSON, Object, Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::CeremonyError;

    fn public_key_credential() -> Option<JsValue> {
        Reflect::get(&leptos::prelude::window(), &"PublicKeyCredential".into())
            .ok()
            .filter(|value| !value.is_undefined())
    }

    fn method(target: &JsValue, name: &str) -> Result<Function, CeremonyError> {
        Reflect::get(target, &name.into())
            .ok()
            .and_then(|value| value.dyn_into::<Function>().ok())
            .ok_or_else(|| CeremonyError::Failed(format!("{name} is missing")))
    }

    /// Whether this browser runs WebAuthn ceremonies with the JSON methods the islands use.
    pub fn supported() -> bool {
        public_key_credential().is_some_and(|class| {
            [
                "parseCreationOptionsFromJSON",
                "parseRequestOptionsFromJSON",
            ]
            .iter()
            .all(|name| method(&class, name).is_ok())
        })
    }

    /// Whether the browser offers passkeys in the autofill of a `webauthn` input (conditional UI).
    pub async fn conditional_available() -> bool {
        let Some(class) = public_key_credential() else {
            return false;
        };
        let Ok(check) = method(&class, "isConditionalMediationAvailable") else {
            return false;
        };
        match check
            .call0(&class)
            .map(|promise| promise.dyn_into::<Promise>())
        {
            Ok(Ok(promise)) => JsFuture::from(promise)
                .await
                .is_ok_and(|available| available.as_bool() == Some(true)),
            _ => false,
        }
    }

    fn failure(error: JsValue) -> CeremonyError {
        let name = Reflect::get(&error, &"name".into())
            .ok()
            .and_then(|name| name.as_string())
            .unwrap_or_default();
        match name.as_str() {
            "NotAllowedError" => CeremonyError::Cancelled,
            "AbortError" => CeremonyError::Aborted,
            "SecurityError" => CeremonyError::WrongSite,
            "InvalidStateError" => CeremonyError::AlreadyRegistered,
            _ => CeremonyError::Failed(format!("{error:?}")),
        }
    }

    /// Runs `navigator.credentials.<call>` with `publicKey` parsed from `options` (JSON) by the
    /// parser `parse`, plus `extra` members; the credential's `toJSON()`, as JSON text.
    async fn ceremony(
        call: &str,
        parse: &str,
        options: &str,
        extra: &[(&str, JsValue)],
    ) -> Result<String, CeremonyError> {
        let class = public_key_credential().ok_or(CeremonyError::Failed("no WebAuthn".into()))?;
        let options = JSON::parse(options).map_err(failure)?;
        let public_key = method(&class, parse)?
            .call1(&class, &options)
            .map_err(failure)?;
        let request = Object::new();
        let set = |key: &str, value: &JsValue| Reflect::set(&request, &key.into(), value).map(drop);
        set("publicKey", &public_key).map_err(failure)?;
        for (key, value) in extra {
            set(key, value).map_err(failure)?;
        }
        let credentials = Reflect::get(&leptos::prelude::window(), &"navigator".into())
            .and_then(|navigator| Reflect::get(&navigator, &"credentials".into()))
            .map_err(failure)?;
        let promise = method(&credentials, call)?
            .call1(&credentials, &request)
            .map_err(failure)?
            .dyn_into::<Promise>()
            .map_err(failure)?;
        let credential = JsFuture::from(promise).await.map_err(failure)?;
        if credential.is_null() {
            return Err(CeremonyError::Cancelled);
        }
        let json = method(&credential, "toJSON")?
            .call0(&credential)
            .map_err(failure)?;
        JSON::stringify(&json)
            .map_err(failure)?
            .as_string()
            .ok_or_else(|| CeremonyError::Failed("toJSON gave no text".into()))
    }

    /// `navigator.credentials.create()`: a new credential for the creation `options` (the
    /// `publicKey` JSON the auth server sent).
    pub async fn create(options: &str) -> Result<String, CeremonyError> {
        ceremony("create", "parseCreationOptionsFromJSON", options, &[]).await
    }

    /// `navigator.credentials.get()`: an assertion for the request `options`, from a prompt.
    pub async fn get(options: &str) -> Result<String, CeremonyError> {
        ceremony("get", "parseRequestOptionsFromJSON", options, &[]).await
    }

    thread_local! {
        /// The page's waiting autofill request, which a prompt must end first.
        static AUTOFILL: std::cell::RefCell<Option<web_sys::AbortController>> =
            const { std::cell::RefCell::new(None) };
    }

    /// `navigator.credentials.get()` in conditional mediation: the browser offers the passkeys in
    /// the autofill of an `autocomplete="… webauthn"` input; the assertion once the person picks
    /// one, or [`CeremonyError::Aborted`] after [`stop_autofill`].
    pub async fn autofill(options: &str) -> Result<String, CeremonyError> {
        let controller = web_sys::AbortController::new().map_err(failure)?;
        let extra = [
            ("mediation", JsValue::from_str("conditional")),
            ("signal", controller.signal().into()),
        ];
        AUTOFILL.with_borrow_mut(|pending| *pending = Some(controller));
        ceremony("get", "parseRequestOptionsFromJSON", options, &extra).await
    }

    /// Ends the waiting autofill request, if any, so that a prompt can run.
    pub fn stop_autofill() {
        if let Some(controller) = AUTOFILL.with_borrow_mut(Option::take) {
            controller.abort();
        }
    }
}

/// Without a browser (the server renders the islands): no ceremonies.
#[cfg(not(feature = "hydrate"))]
mod no_browser {
    use super::CeremonyError;

    const NONE: CeremonyError = CeremonyError::Cancelled;

    /// No WebAuthn without a browser.
    pub fn supported() -> bool {
        false
    }

    /// No autofill without a browser.
    pub async fn conditional_available() -> bool {
        false
    }

    /// No ceremony without a browser.
    pub async fn create(_: &str) -> Result<String, CeremonyError> {
        Err(NONE)
    }

    /// No ceremony without a browser.
    pub async fn get(_: &str) -> Result<String, CeremonyError> {
        Err(NONE)
    }

    /// No autofill without a browser.
    pub async fn autofill(_: &str) -> Result<String, CeremonyError> {
        Err(NONE)
    }

    /// Nothing to end without a browser.
    pub fn stop_autofill() {}
}
#[cfg(not(feature = "hydrate"))]
pub use no_browser::*;

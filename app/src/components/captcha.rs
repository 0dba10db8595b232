//! CAPTCHA in the forms Supabase Auth protects with it (sign-up, password sign-in, codes and
//! magic links, recovery, phone sign-in, guest sign-in): the provider's widget, which puts its
//! answer in a field of the form the server function passes on to the auth server. The widget is
//! the provider's own script, loaded from its origin (the page's Content-Security-Policy admits
//! exactly those origins); without JavaScript the form says it needs it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The CAPTCHA providers Supabase Auth supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CaptchaProvider {
    /// hCaptcha.
    Hcaptcha,
    /// Cloudflare Turnstile.
    Turnstile,
}

impl CaptchaProvider {
    /// The provider's widget script.
    pub fn script(self) -> &'static str {
        match self {
            Self::Hcaptcha => "https://js.hcaptcha.com/1/api.js",
            Self::Turnstile => "https://challenges.cloudflare.com/turnstile/v0/api.js",
        }
    }

    /// The origins the widget loads scripts, frames and styles from and talks to, as the
    /// providers document them for a Content-Security-Policy.
    pub fn origins(self) -> &'static [&'static str] {
        match self {
            Self::Hcaptcha => &["https://hcaptcha.com", "https://*.hcaptcha.com"],
            Self::Turnstile => &["https://challenges.cloudflare.com"],
        }
    }

    /// The class of the element the script turns into a widget.
    fn widget_class(self) -> &'static str {
        match self {
            Self::Hcaptcha => "h-captcha",
            Self::Turnstile => "cf-turnstile",
        }
    }
}

/// The app's CAPTCHA settings (`CAPTCHA_PROVIDER`, `CAPTCHA_SITE_KEY`), provided as context when
/// CAPTCHA is on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Captcha {
    /// Which provider.
    pub provider: CaptchaProvider,
    /// The site key (public: it is in every page).
    pub site_key: String,
}

/// The answer a widget adds to its form, under each provider's field name; a server function
/// takes it as one `#[server(flatten)]` argument.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptchaAnswer {
    /// hCaptcha's field.
    #[serde(default, rename = "h-captcha-response")]
    pub hcaptcha: Option<String>,
    /// Turnstile's field.
    #[serde(default, rename = "cf-turnstile-response")]
    pub turnstile: Option<String>,
}

impl CaptchaAnswer {
    /// The token, whichever provider gave it.
    pub fn token(&self) -> Option<&str> {
        self.hcaptcha
            .as_deref()
            .or(self.turnstile.as_deref())
            .filter(|token| !token.is_empty())
    }
}

/// The widget of a form, when CAPTCHA is on: the provider's element (which its script fills, and
/// which adds the answer to the form) and a sentence saying the form needs JavaScript, which the
/// stylesheet hides once the widget has filled its element (`.captcha-widget:not(:empty)`): it
/// stays for a browser without JavaScript, or one that could not load the widget.
#[component]
pub fn CaptchaWidget() -> impl IntoView {
    use_context::<Option<Captcha>>().flatten().map(|captcha| {
        let class = format!("captcha-widget {}", captcha.provider.widget_class());
        view! {
            <div class=class data-sitekey=captcha.site_key></div>
            <p class="form-error captcha-needs-js">
                "This form is protected by a CAPTCHA check, which needs JavaScript: turn it on to continue."
            </p>
        }
    })
}

/// The provider's script, once per page with CAPTCHA forms.
#[component]
pub fn CaptchaScript() -> impl IntoView {
    use_context::<Option<Captcha>>()
        .flatten()
        .map(|captcha| view! { <script src=captcha.provider.script() async defer></script> })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_read_under_either_providers_field() {
        let hcaptcha: CaptchaAnswer =
            serde_json::from_value(serde_json::json!({ "h-captcha-response": "h" })).unwrap();
        let turnstile: CaptchaAnswer =
            serde_json::from_value(serde_json::json!({ "cf-turnstile-response": "t" })).unwrap();
        let none: CaptchaAnswer = serde_json::from_value(serde_json::json!({})).unwrap();

        assert_eq!(hcaptcha.token(), Some("h"));
        assert_eq!(turnstile.token(), Some("t"));
        assert_eq!(none.token(), None);
    }
}

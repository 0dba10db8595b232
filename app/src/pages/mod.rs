//! The app's features: one module per page, or per few pages that belong together (a folder when
//! a page has parts). Each holds its page components, the server functions behind its forms and
//! its islands; what several features share lives in [`crate::auth`] (the session, errors, the
//! server-side helpers) and [`crate::components`].
//!
//! A form's server function takes the form's fields as parameters, by name. On success it names
//! the page to go to next: a form post is redirected there (post/redirect/get), an island's call
//! gets the path back. A failure is an [`crate::auth::AuthError`] (or, for the notes, a
//! [`NoteError`]): a form post is redirected back
//! to its page, which shows it next to the form.
//!
//! [`AppRoutes`] shows them: the router, declared from the table in [`crate::routes`].

mod account;
mod admin;
mod auth_error;
mod consent;
mod forbidden;
mod home;
mod login;
mod mfa;
mod not_found;
mod notes;
mod otp;
mod password;
mod phone;
mod protected;
mod sign_up;

pub use account::AccountPage;
pub use admin::AdminPage;
pub use auth_error::AuthErrorPage;
pub use consent::ConsentPage;
pub use forbidden::ForbiddenPage;
pub use home::HomePage;
pub use login::LoginPage;
pub use mfa::MfaPage;
pub use not_found::NotFoundPage;
pub use notes::{NoteError, NotePage, NoteView, NotesPage};
pub use otp::OtpPage;
pub use password::{ForgotPasswordPage, UpdatePasswordPage};
pub use phone::PhonePage;
pub use protected::ProtectedPage;
pub use sign_up::{SignUpPage, SignUpSuccessPage};

use leptos::prelude::*;
use leptos_router::{
    SsrMode,
    components::{ProtectedRoute, Routes},
    path as segments,
};

use crate::routes::{ADMIN_ROLE, Access, Visitor, Visitors, local_target, page_table};

/// Declares [`AppRoutes`] from [`page_table!`].
macro_rules! declare_router {
    ($($name:ident = $path:tt => $view:ident, $access:expr;)*) => {
        /// The router's routes: each page behind the check its access asks for. The server's
        /// guard has already sent visitors who may not open a page elsewhere; the same check here
        /// keeps a client-side navigation honest.
        #[component]
        pub fn AppRoutes() -> impl IntoView {
            let Visitors(visitor) = expect_context::<Visitors>();
            let location = leptos_router::hooks::use_location();
            // Where the visitor is (the path as opened, with its query) and the `next` it names.
            let here = move || format!("{}{}", location.pathname.get(), location.search.get());
            let next = move || {
                let query = location.query.read();
                query.get("next").and_then(|next| local_target(&next).map(str::to_owned))
            };
            view! {
                <Routes fallback=NotFoundPage>
                    $(
                        <ProtectedRoute
                            path=segments!($path)
                            condition=move || may_open(visitor, $access)
                            redirect_path=move || {
                                visitor.get().unwrap_or_default().gate(&here(), next().as_deref())
                            }
                            view=move || role_gate(visitor, $access, $view)
                            ssr=SsrMode::Async
                        />
                    )*
                </Routes>
            }
        }
    };
}

page_table!(declare_router);

/// Whether the visitor may open a page with `access`; `None` until the session is read (public
/// pages do not wait for it).
fn may_open(visitor: Signal<Option<Visitor>>, access: Access) -> Option<bool> {
    if access == Access::Public {
        return Some(true);
    }
    visitor.get().map(|visitor| visitor.may_open(access))
}

/// The page itself when the visitor's role admits it, else the 403 page.
fn role_gate<V: IntoView + 'static>(
    visitor: Signal<Option<Visitor>>,
    access: Access,
    page: impl FnOnce() -> V,
) -> AnyView {
    let role = visitor.get().and_then(|visitor| visitor.role);
    if access.admits_role(role.as_deref()) {
        page().into_any()
    } else {
        view! { <ForbiddenPage /> }.into_any()
    }
}

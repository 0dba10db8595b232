//! The site's name, in the page title, the header and the home page. `cargo generate` writes
//! your project's name here (from `site.rs.liquid` beside this file).

/// The site's name.
pub const NAME: &str = "Leptos + Supabase Auth";

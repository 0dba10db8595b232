//! Rows of the auth schema and the queries on them, one module per table (or pair of tables
//! that live together); handlers call these named functions rather than writing SQL.

/// SQL for a factor row `f` as the API shows it (a macro, so that queries stay static strings).
macro_rules! factor_json {
    () => {
        "json_object('id', f.id, 'friendly_name', COALESCE(f.friendly_name, ''), \
         'factor_type', f.factor_type, 'status', f.status, 'last_challenged_at', f.last_challenged_at, \
         'phone', COALESCE(f.phone, ''), 'created_at', f.created_at, 'updated_at', f.updated_at)"
    };
}

mod factors;
mod flows;
mod identities;
mod keys;
mod mail;
mod oauth_clients;
mod oauth_server;
mod one_time_tokens;
mod passkeys;
mod sessions;
mod sso;
mod users;

pub use self::{
    factors::*, flows::*, identities::*, keys::*, mail::*, oauth_clients::*, oauth_server::*,
    one_time_tokens::*, passkeys::*, sessions::*, sso::*, users::*,
};

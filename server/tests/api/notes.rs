//! The notes under Row Level Security, against the tests' real PostgreSQL: what each user reaches
//! through the server functions, and what the policies answer to a transaction as a given user.

use app::{data::DataError, pages::NoteView};
use reqwest::StatusCode;
use sqlx::{Connection, Row};
use supabase_ssr::{Claims, Session};

use crate::auth_app::{
    TestApp, add_verified_factor, database_urls, email, grant_role, set_cookies, superuser,
    with_roles_hook,
};

/// Calls the server function at `/api/<path>` with `fields` (a form), as `cookie`'s session.
pub async fn call(
    app: &TestApp,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.post(&format!("/api/{path}"), cookie)
        .header("accept", "application/json")
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// The notes `cookie`'s user reads.
async fn list(app: &TestApp, cookie: &str) -> Vec<NoteView> {
    let response = call(app, "notes/list", cookie, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Adds a note as `cookie`'s user; returns its id.
async fn add(app: &TestApp, cookie: &str, body: &str) -> String {
    add_stored(app, cookie, body, body).await
}

/// Adds a note of `body`, which the server stores as `stored`; returns its id.
async fn add_stored(app: &TestApp, cookie: &str, body: &str, stored: &str) -> String {
    let response = call(app, "notes/add", cookie, &[("body", body)]).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    list(app, cookie)
        .await
        .into_iter()
        .find(|note| note.body == stored)
        .expect("the note is listed")
        .id
}

/// Deletes `user_id` through the admin API, softly (`should_soft_delete`) or for good.
async fn delete_user(app: &TestApp, user_id: &str, soft: bool) {
    let deleted = app
        .auth_request(reqwest::Method::DELETE, &format!("/admin/users/{user_id}"))
        .header("apikey", &app.secret_key)
        .bearer_auth(&app.secret_key)
        .json(&serde_json::json!({ "should_soft_delete": soft }))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
}

/// A signed-in user with a fresh address: the session and its cookie.
async fn user(app: &TestApp, name: &str) -> (Session, String) {
    let session = app.signed_in_user(&email(name)).await;
    let cookie = app.cookie_header(&session);
    (session, cookie)
}

fn claims(session: &Session) -> Claims {
    // A token local-auth issued a moment ago; the policies are what is under test here.
    Claims::decode_unverified(session.access_token.expose_secret()).unwrap()
}

/// The database as the app connects to it.
fn database() -> app::data::Database {
    app::data::Database::connect_lazy(&database_urls().0).unwrap()
}

/// How many notes a transaction as `claims` (or signed out) sees.
async fn visible_notes(claims: Option<&Claims>) -> i64 {
    let mut transaction = database().begin_as(claims).await.unwrap();
    let count: i64 = sqlx::query_scalar("select count(*) from public.notes")
        .fetch_one(&mut *transaction)
        .await
        .unwrap();
    transaction.rollback().await.unwrap();
    count
}

/// What a transaction as `claims` (or signed out) gets for the insert `sql`, whose `$1` is
/// `user_id` (unused when the statement takes no parameter).
async fn insert_as(
    claims: Option<&Claims>,
    sql: &'static str,
    user_id: &str,
) -> Result<(), DataError> {
    let mut transaction = database().begin_as(claims).await?;
    let mut query = sqlx::query(sql);
    if sql.contains("$1") {
        query = query.bind(user_id);
    }
    query.execute(&mut *transaction).await?;
    transaction.rollback().await?;
    Ok(())
}

#[tokio::test]
async fn another_user_cannot_read_change_or_delete_a_note_even_by_its_id() {
    let app = TestApp::spawn_with_database(|_| {}).await;
    let (_, alice) = user(&app, "notes-alice").await;
    let (_, bob) = user(&app, "notes-bob").await;
    let id = add(&app, &alice, "Alice's secret").await;

    assert!(list(&app, &bob).await.iter().all(|note| note.id != id));
    let edited = call(
        &app,
        "notes/edit",
        &bob,
        &[("note_id", &id), ("body", "Bob was here")],
    )
    .await;
    assert_eq!(edited.status(), StatusCode::NOT_FOUND);
    let deleted = call(&app, "notes/delete", &bob, &[("note_id", &id)]).await;
    assert_eq!(deleted.status(), StatusCode::NOT_FOUND);
    // Bob's own note cannot be written as Alice's either: `user_id` is the policy's to check.
    let mut transaction = database()
        .begin_as(Some(&claims(
            &app.signed_in_user(&email("notes-carol")).await,
        )))
        .await
        .unwrap();
    let forged = sqlx::query("insert into public.notes (user_id, body) select user_id, 'forged' from public.notes where id = $1::uuid")
        .bind(&id)
        .execute(&mut *transaction)
        .await
        .unwrap();
    assert_eq!(forged.rows_affected(), 0, "the note is not even visible");
    transaction.rollback().await.unwrap();

    let notes = list(&app, &alice).await;
    let note = notes.iter().find(|note| note.id == id).unwrap();
    assert_eq!(note.body, "Alice's secret");
    assert!(note.mine);
    // Alice changes and deletes her own.
    let edited = call(
        &app,
        "notes/edit",
        &alice,
        &[("note_id", &id), ("body", "  Alice's plan  ")],
    )
    .await;
    assert_eq!(edited.status(), StatusCode::OK);
    assert_eq!(edited.json::<String>().await.unwrap(), "Alice's plan");
    let deleted = call(&app, "notes/delete", &alice, &[("note_id", &id)]).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert!(list(&app, &alice).await.iter().all(|note| note.id != id));
}

#[tokio::test]
async fn a_user_cannot_write_a_note_in_another_users_name() {
    let app = TestApp::spawn_with_database(|_| {}).await;
    let (alice, _) = user(&app, "notes-owner").await;
    let (mallory, _) = user(&app, "notes-mallory").await;

    let planted = insert_as(
        Some(&claims(&mallory)),
        "insert into public.notes (user_id, body) values ($1::uuid, 'planted')",
        &claims(&alice).sub,
    )
    .await;

    assert_eq!(planted, Err(DataError::Denied));
}

#[tokio::test]
async fn the_owner_may_change_the_text_of_a_note_and_no_other_column() {
    let app = TestApp::spawn_with_database(|_| {}).await;
    let (owner, cookie) = user(&app, "notes-columns").await;
    let (other, _) = user(&app, "notes-columns-other").await;
    let id = add(&app, &cookie, "the text").await;
    let owner = claims(&owner);
    let update = |sql: &'static str, value: String| {
        let owner = owner.clone();
        let id = id.clone();
        async move {
            let mut transaction = database().begin_as(Some(&owner)).await?;
            let changed = sqlx::query(sql)
                .bind(&id)
                .bind(value)
                .execute(&mut *transaction)
                .await?
                .rows_affected();
            transaction.commit().await?;
            Ok::<u64, DataError>(changed)
        }
    };
    let before = owned_columns(&owner, &id).await;

    for (sql, value) in [
        (
            "update public.notes set user_id = $2::uuid where id = $1::uuid",
            claims(&other).sub.clone(),
        ),
        (
            "update public.notes set id = $2::uuid where id = $1::uuid",
            uuid::Uuid::new_v4().to_string(),
        ),
        (
            "update public.notes set created_at = $2::timestamptz where id = $1::uuid",
            "2000-01-01T00:00:00Z".to_owned(),
        ),
        (
            "update public.notes set updated_at = $2::timestamptz where id = $1::uuid",
            "2000-01-01T00:00:00Z".to_owned(),
        ),
    ] {
        assert_eq!(update(sql, value).await, Err(DataError::Denied), "{sql}");
    }
    assert_eq!(owned_columns(&owner, &id).await, before, "nothing changed");

    let changed = update(
        "update public.notes set body = $2 where id = $1::uuid",
        "new text".to_owned(),
    )
    .await;
    assert_eq!(changed, Ok(1));
    let after = owned_columns(&owner, &id).await;
    assert_eq!(after.body, "new text");
    assert_eq!(
        (&after.id, &after.user_id, &after.created_at),
        (&before.id, &before.user_id, &before.created_at)
    );
    assert!(
        after.updated_at > before.updated_at,
        "the trigger moved updated_at"
    );
}

/// A note's columns as its owner reads them.
#[derive(Debug, PartialEq)]
struct NoteRow {
    id: String,
    user_id: String,
    body: String,
    created_at: String,
    updated_at: String,
}

async fn owned_columns(owner: &Claims, id: &str) -> NoteRow {
    let mut transaction = database().begin_as(Some(owner)).await.unwrap();
    let (id, user_id, body, created_at, updated_at): (String, String, String, String, String) =
        sqlx::query_as(
            "select id::text, user_id::text, body, \
             to_char(created_at, 'YYYY-MM-DD HH24:MI:SS.US'), \
             to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US') \
             from public.notes where id = $1::uuid",
        )
        .bind(id)
        .fetch_one(&mut *transaction)
        .await
        .unwrap();
    transaction.rollback().await.unwrap();
    NoteRow {
        id,
        user_id,
        body,
        created_at,
        updated_at,
    }
}

#[tokio::test]
async fn a_signed_out_call_gets_nothing() {
    let app = TestApp::spawn_with_database(|_| {}).await;
    let (_, alice) = user(&app, "notes-public").await;
    add(&app, &alice, "not for strangers").await;

    for (name, fields) in [
        ("notes/list", vec![]),
        ("notes/add", vec![("body", "anonymous")]),
        (
            "notes/delete",
            vec![("note_id", "00000000-0000-0000-0000-000000000000")],
        ),
    ] {
        let response = call(&app, name, "", &fields).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{name}");
    }
    // As the Data API's `anon`: no rows, and no way to add one.
    assert_eq!(visible_notes(None).await, 0);
    let anonymous = insert_as(
        None,
        "insert into public.notes (user_id, body) values (gen_random_uuid(), 'x')",
        "",
    )
    .await;
    assert_eq!(anonymous, Err(DataError::Denied));
}

#[tokio::test]
async fn an_enrolled_user_reaches_their_notes_only_at_aal2() {
    let app = TestApp::spawn_with_database(|_| {}).await;
    let (aal1, cookie) = user(&app, "notes-mfa").await;
    add(&app, &cookie, "behind a second factor").await;
    assert_eq!(
        visible_notes(Some(&claims(&aal1))).await,
        1,
        "no factor yet"
    );

    let aal2 = add_verified_factor(&app, aal1.access_token.expose_secret()).await;

    // The aal1 token is still valid, but the restrictive policy hides everything from it…
    assert_eq!(visible_notes(Some(&claims(&aal1))).await, 0);
    let at_aal1 = insert_as(
        Some(&claims(&aal1)),
        "insert into public.notes (body) values ('at aal1')",
        "",
    )
    .await;
    assert_eq!(at_aal1, Err(DataError::Denied));
    // The app remembers for a while that this session's user had no factor (it asked when the note
    // was added), so it lets the aal1 session through: the policy is what keeps the note out.
    let response = call(&app, "notes/list", &cookie, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Vec<NoteView>>().await.unwrap(), Vec::new());
    // At aal2 the note is there.
    assert_eq!(visible_notes(Some(&claims(&aal2))).await, 1);
    let notes = list(&app, &app.cookie_header(&aal2)).await;
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].body, "behind a second factor");
}

#[tokio::test]
async fn the_admin_role_reads_every_note_and_changes_none() {
    let admin_email = email("notes-admin");
    let app = TestApp::spawn_with_database(with_roles_hook).await;
    let (_, alice) = user(&app, "notes-member").await;
    let id = add(&app, &alice, "a member's note").await;
    // A moderator's role has no permission to read others' notes.
    let moderator_email = email("notes-moderator");
    app.signed_in_user(&moderator_email).await;
    grant_role(&moderator_email, "moderator").await;
    let moderator = app.cookie_header(&app.signed_in_again(&moderator_email).await);
    let unseen = call(&app, "notes/get", &moderator, &[("note_id", &id)]).await;
    assert_eq!(unseen.status(), StatusCode::NOT_FOUND);
    app.signed_in_user(&admin_email).await;
    grant_role(&admin_email, "admin").await;
    let admin = app.cookie_header(&app.signed_in_again(&admin_email).await);

    // By its id: the list shows the newest 200 of every user's notes, which other tests add to.
    let seen = call(&app, "notes/get", &admin, &[("note_id", &id)]).await;
    assert_eq!(seen.status(), StatusCode::OK, "the admin reads it");
    let note: NoteView = seen.json().await.unwrap();
    assert!(!note.mine);
    let deleted = call(&app, "notes/delete", &admin, &[("note_id", &id)]).await;
    assert_eq!(deleted.status(), StatusCode::NOT_FOUND);
    let edited = call(
        &app,
        "notes/edit",
        &admin,
        &[("note_id", &id), ("body", "x")],
    )
    .await;
    assert_eq!(edited.status(), StatusCode::NOT_FOUND);
    assert!(
        list(&app, &alice)
            .await
            .iter()
            .any(|note| note.id == id && note.body == "a member's note")
    );
}

#[tokio::test]
async fn notes_are_bounded_and_bad_ids_are_notes_that_do_not_exist() {
    let app = TestApp::spawn_with_database(|_| {}).await;
    let (_, cookie) = user(&app, "notes-bounds").await;
    let long = "é".repeat(2001);

    for body in ["", "   ", long.as_str()] {
        let response = call(&app, "notes/add", &cookie, &[("body", body)]).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            body.len()
        );
    }
    let exactly = "é".repeat(2000);
    add(&app, &cookie, &exactly).await;
    for id in [
        "not-a-uuid",
        "'; drop table public.notes; --",
        "00000000-0000-0000-0000-000000000000",
    ] {
        let response = call(&app, "notes/delete", &cookie, &[("note_id", id)]).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{id}");
    }
    let missing = call(&app, "notes/add", &cookie, &[]).await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert_eq!(list(&app, &cookie).await.len(), 1);
    // PostgreSQL stores no NUL in text: they are dropped, never a 500.
    let nul_only = call(&app, "notes/add", &cookie, &[("body", "\0\0")]).await;
    assert_eq!(nul_only.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let id = add_stored(&app, &cookie, "before\0after", "beforeafter").await;
    let edited = call(
        &app,
        "notes/edit",
        &cookie,
        &[("note_id", &id), ("body", "new\0text")],
    )
    .await;
    assert_eq!(edited.status(), StatusCode::OK);
    assert_eq!(edited.json::<String>().await.unwrap(), "newtext");
    assert_eq!(list(&app, &cookie).await.len(), 2);
}

/// A value the database refuses as data (class 22, here a byte the encoding cannot hold) is the
/// client's input: a 4xx, never the server's 500.
#[tokio::test]
async fn data_exceptions_are_invalid_input() {
    let app = TestApp::spawn_with_database(|_| {}).await;
    let (session, _) = user(&app, "notes-data-exception").await;
    let mut transaction = database().begin_as(Some(&claims(&session))).await.unwrap();

    let refused = sqlx::query("insert into public.notes (body) values ($1)")
        .bind("a\0b")
        .execute(&mut *transaction)
        .await
        .map_err(DataError::from);

    assert_eq!(refused.map(drop), Err(DataError::Invalid));
}

#[tokio::test]
async fn a_plain_form_post_is_redirected_back_to_the_notes() {
    let app = TestApp::spawn_with_database(|_| {}).await;
    let (_, cookie) = user(&app, "notes-form").await;

    let markup = r#"from a form <img src=x onerror="alert(1)"></script>"#;
    let response = app
        .post("/api/notes/add", &cookie)
        .header("accept", "text/html")
        .form(&[("body", markup)])
        .send()
        .await
        .unwrap();

    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()["location"], "/notes");
    let page = app.get("/notes", &cookie).await.text().await.unwrap();
    // The note is text on the page (and in the island's props), never markup.
    assert!(page.contains("from a form &lt;img"), "{page}");
    assert!(!page.contains("<img src=x"), "{page}");
    assert!(!page.contains("</script>\""), "{page}");
}

#[tokio::test]
async fn a_user_deleted_by_the_auth_server_takes_their_notes_along() {
    let app = TestApp::spawn_with_database(|_| {}).await;
    let address = email("notes-leaver");
    let session = app.signed_in_user(&address).await;
    let cookie = app.cookie_header(&session);
    add(&app, &cookie, "soon gone").await;
    // A second session of the user, which the app has not seen yet.
    let fresh = app.cookie_header(&app.signed_in_again(&address).await);
    let user_id = claims(&session).sub;

    delete_user(&app, &user_id, false).await;

    // local-auth removed the user from auth.users, and its trigger took the notes along: the
    // token, still valid, finds none.
    let mut auth_admin = sqlx::PgConnection::connect(&database_urls().1)
        .await
        .unwrap();
    let users: i64 = sqlx::query("select count(*) from auth.users where id = $1::uuid")
        .bind(&user_id)
        .fetch_one(&mut auth_admin)
        .await
        .unwrap()
        .get(0);
    assert_eq!(users, 0);
    assert_eq!(visible_notes(Some(&claims(&session))).await, 0);

    // The auth server no longer knows the user: signed out, everywhere alike. The page sends
    // them to sign in saying why, its server functions answer "signed out", and both clear the
    // session cookies; nothing answers 5xx.
    let page = app.get("/notes", &fresh).await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        page.headers()["location"],
        "/auth/login?next=%2Fnotes&ended=user_not_found"
    );
    assert!(
        !set_cookies(&page).is_empty(),
        "the session cookies are cleared"
    );
    let added = call(&app, "notes/add", &fresh, &[("body", "still here?")]).await;
    assert_eq!(added.status(), StatusCode::UNAUTHORIZED);
    assert!(
        !set_cookies(&added).is_empty(),
        "the session cookies are cleared"
    );
    // The session the app saw a moment ago is not asked about again for a minute (the answer on
    // second factors is kept that long); its write finds no user in auth.users, and is answered
    // as signed out too, not as a failure of the server.
    let cached = call(&app, "notes/add", &cookie, &[("body", "still here?")]).await;
    assert_eq!(cached.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn without_a_database_the_page_says_how_to_configure_one() {
    let app = TestApp::spawn().await;
    let (_, cookie) = user(&app, "notes-nodb").await;

    let response = app.get("/notes", &cookie).await;

    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains("Notes need a database"), "{page}");
    assert!(page.contains("DATABASE_URL"), "{page}");
    let call = call(&app, "notes/add", &cookie, &[("body", "nowhere")]).await;
    assert_eq!(call.status(), StatusCode::SERVICE_UNAVAILABLE);
}

/// A page with a parameter (`/notes/:id`) is guarded like any other: a signed-out request is sent
/// to sign in by the server before anything renders, however the path is spelled; the owner reads
/// the note, another user finds nothing.
#[tokio::test]
async fn a_page_with_a_parameter_is_guarded_by_the_server() {
    let app = TestApp::spawn_with_database(|_| {}).await;
    let (_, owner) = user(&app, "note-page-owner").await;
    let (_, other) = user(&app, "note-page-other").await;
    let id = add(&app, &owner, "a note of its own").await;

    for path in [
        format!("/notes/{id}"),
        format!("/notes/{id}/"),
        format!("/%6Eotes/{id}"),
    ] {
        let signed_out = app.get(&path, "").await;
        assert_eq!(signed_out.status(), StatusCode::SEE_OTHER, "{path}");
        let location = signed_out.headers()["location"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            location.starts_with("/auth/login?next="),
            "{path}: {location}"
        );
        assert!(
            !signed_out
                .text()
                .await
                .unwrap()
                .contains("a note of its own")
        );
    }
    let read = app.get(&format!("/notes/{id}"), &owner).await;
    assert_eq!(read.status(), StatusCode::OK);
    assert!(read.text().await.unwrap().contains("a note of its own"));
    let foreign = app
        .get(&format!("/notes/{id}"), &other)
        .await
        .text()
        .await
        .unwrap();
    assert!(!foreign.contains("a note of its own"));
    assert!(foreign.contains("That note does not exist."), "{foreign}");
}

/// A user soft-deleted by the admin API (`should_soft_delete`, as upstream: the row stays, with
/// `deleted_at`, and every session ends) is signed out at the app's next question to the auth
/// server (`session_not_found`), like a deleted one; their notes stay with the row.
#[tokio::test]
async fn a_soft_deleted_user_is_signed_out_and_their_notes_stay() {
    let app = TestApp::spawn_with_database(|_| {}).await;
    let address = email("notes-soft");
    let session = app.signed_in_user(&address).await;
    add(&app, &app.cookie_header(&session), "kept with the row").await;
    let fresh = app.cookie_header(&app.signed_in_again(&address).await);
    let user_id = claims(&session).sub;

    delete_user(&app, &user_id, true).await;

    let page = app.get("/notes", &fresh).await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        page.headers()["location"],
        "/auth/login?next=%2Fnotes&ended=session_not_found"
    );
    assert!(
        !set_cookies(&page).is_empty(),
        "the session cookies are cleared"
    );
    assert_eq!(visible_notes(Some(&claims(&session))).await, 1);
}

#[tokio::test]
async fn the_cap_holds_exactly_when_a_user_adds_many_notes_at_once() {
    let app = TestApp::spawn_with_database(|_| {}).await;
    let (session, cookie) = user(&app, "notes-cap").await;
    let user_id = claims(&session).sub;
    let database = superuser().await;
    // 990 notes already, written as the project's SQL editor would.
    sqlx::query(
        "insert into public.notes (user_id, body) \
         select $1::uuid, 'note ' || n from generate_series(1, 990) n",
    )
    .bind(&user_id)
    .execute(&database)
    .await
    .unwrap();

    let mut adds = tokio::task::JoinSet::new();
    for n in 0..40 {
        let request = app
            .post("/api/notes/add", &cookie)
            .header("accept", "application/json")
            .form(&[("body", format!("at once {n}"))]);
        adds.spawn(async move { request.send().await.unwrap().status() });
    }
    let answers = adds.join_all().await;

    let added = answers.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = answers
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert_eq!((added, refused), (10, 30), "{answers:?}");
    let kept: i64 = sqlx::query_scalar("select count(*) from public.notes where user_id = $1")
        .bind(&user_id)
        .fetch_one(&database)
        .await
        .unwrap();
    assert_eq!(kept, 1000);
    sqlx::query("delete from public.notes where user_id = $1")
        .bind(&user_id)
        .execute(&database)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_client_cannot_call_the_servers_functions_with_claims_of_its_choosing() {
    let app = TestApp::spawn_with_database(|_| {}).await;
    let (victim, cookie) = user(&app, "notes-victim").await;
    add(&app, &cookie, "the victim's").await;
    let (attacker, _) = user(&app, "notes-attacker").await;
    let forged = serde_json::to_string(&claims(&victim)).unwrap();

    // As a client of the Data API is: `authenticated` (or `anon`), naming the victim's claims.
    for me in [Some(claims(&attacker)), None] {
        let mut transaction = database().begin_as(me.as_ref()).await.unwrap();
        let answer = sqlx::query("select * from app.list_notes('authenticated', $1, 10)")
            .bind(&forged)
            .fetch_all(&mut *transaction)
            .await;

        let error = answer.expect_err("the app schema is the server's alone");
        assert_eq!(DataError::from(error), DataError::Denied);
    }
}

-- The notes page's statements as functions, so that each request is one round trip to the
-- database instead of four (begin; become the user; the statement; commit). Each function first
-- becomes the caller's user with `app.become` (the role and the verified claims, local to the
-- statement's own transaction, exactly what `begin_as` sets), then runs its statement under the
-- policies of `20261130120000_notes.sql`: nothing here bypasses them (security invoker).
--
-- The schema `app` is not exposed by the Data API (only `public` is) and only `app_server` may
-- use it: a function that takes claims as an argument must never be callable by a client, who
-- could name someone else's.

-- A statement may run 8 s at most (what Supabase sets for `authenticated`), taken by every
-- connection of the app's server when it logs in, so that a one-statement call is bounded too.
alter role app_server set statement_timeout = '8s';

create schema if not exists app;
revoke all on schema app from public;
grant usage on schema app to app_server;

-- Becomes `role` (`anon` or `authenticated`: the server refuses any other a token names) with the
-- verified `claims`, for the rest of the transaction, as Supabase's Data API does.
create or replace function app.become(role text, claims text) returns void
language plpgsql
set search_path = ''
as $$
begin
  if role not in ('anon', 'authenticated') then
    raise exception 'app.become: role % is not anon or authenticated', role
      using errcode = '42501';
  end if;
  perform set_config('role', role, true);
  perform set_config('request.jwt.claims', claims, true);
end;
$$;

-- The notes the user may read, newest first (the policies decide which).
create or replace function app.list_notes(role text, claims text, max_rows integer)
returns table (id text, body text, created text, mine boolean)
language plpgsql
set search_path = ''
as $$
begin
  perform app.become(role, claims);
  return query
    select n.id::text, n.body,
           to_char(n.created_at at time zone 'utc', 'YYYY-MM-DD HH24:MI'),
           n.user_id = (select auth.uid())
    from public.notes n
    order by n.created_at desc, n.id
    limit max_rows;
end;
$$;

-- One note the user may read; no row for anything else.
create or replace function app.get_note(role text, claims text, note_id uuid)
returns table (id text, body text, created text, mine boolean)
language plpgsql
set search_path = ''
as $$
begin
  perform app.become(role, claims);
  return query
    select n.id::text, n.body,
           to_char(n.created_at at time zone 'utc', 'YYYY-MM-DD HH24:MI'),
           n.user_id = (select auth.uid())
    from public.notes n
    where n.id = note_id;
end;
$$;

-- Adds a note unless the user keeps `max_notes` already; whether it was added. The count and the
-- insert hold the user's advisory lock, so concurrent adds of one user take turns and the cap
-- holds exactly (a plain count-then-insert under READ COMMITTED lets parallel adds overshoot).
create or replace function app.add_note(role text, claims text, note_body text, max_notes integer)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  kept bigint;
begin
  perform app.become(role, claims);
  perform pg_advisory_xact_lock(hashtextextended('app.notes:' || (select auth.uid())::text, 0));
  select count(*) into kept from public.notes where user_id = (select auth.uid());
  if kept >= max_notes then
    return false;
  end if;
  -- `user_id` defaults to auth.uid(); the insert policy checks it.
  insert into public.notes (body) values (note_body);
  return true;
end;
$$;

-- Changes the text of a note the user may change; the text as stored, or no row.
create or replace function app.edit_note(role text, claims text, note_id uuid, note_body text)
returns table (body text)
language plpgsql
set search_path = ''
as $$
begin
  perform app.become(role, claims);
  return query
    update public.notes n set body = note_body where n.id = note_id returning n.body;
end;
$$;

-- Deletes a note the user may delete; whether there was one.
create or replace function app.delete_note(role text, claims text, note_id uuid)
returns boolean
language plpgsql
set search_path = ''
as $$
begin
  perform app.become(role, claims);
  delete from public.notes n where n.id = note_id;
  return found;
end;
$$;

revoke all on all functions in schema app from public;
grant execute on all functions in schema app to app_server;
-- A function added here later is executable by PUBLIC, as PostgreSQL creates every function
-- (a per-schema default cannot take that back); the schema's usage, `app_server`'s alone, keeps
-- every other role out of it all the same.

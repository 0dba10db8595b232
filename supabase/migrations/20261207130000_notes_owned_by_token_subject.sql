-- Notes belong to the `sub` of the verified token, whoever issued it: Supabase Auth's users (a
-- UUID, as before) and a trusted third-party provider's (Clerk's `user_…`, a Firebase uid,
-- Auth0's `auth0|…`), which are neither UUIDs nor in auth.users. This is how Supabase's guide to
-- third-party auth writes policies: `auth.jwt() ->> 'sub'`, not `auth.uid()` (which casts the
-- subject to a UUID and fails for the others).
--
-- Without the foreign key, a Supabase user's notes still go with the user: a trigger on
-- auth.users deletes them (a soft delete keeps the row, and the notes, as before), and a deleted
-- user's token adds none. A provider's users are deleted at the provider; their notes stay until
-- the app removes them.

-- Policies and functions that read `user_id` must go before its type can change.
drop policy "Users read their own notes" on public.notes;
drop policy "Users add their own notes" on public.notes;
drop policy "Users change their own notes" on public.notes;
drop policy "Users delete their own notes" on public.notes;

alter table public.notes drop constraint notes_user_id_fkey;
alter table public.notes
  alter column user_id drop default,
  alter column user_id type text using user_id::text,
  alter column user_id set default (auth.jwt() ->> 'sub');
-- A token's subject, bounded as the server bounds it.
alter table public.notes
  add constraint notes_user_id_length check (char_length(user_id) between 1 and 255);

create policy "Users read their own notes"
  on public.notes for select to authenticated
  using ((select auth.jwt() ->> 'sub') = user_id);

create policy "Users add their own notes"
  on public.notes for insert to authenticated
  with check ((select auth.jwt() ->> 'sub') = user_id);

create policy "Users change their own notes"
  on public.notes for update to authenticated
  using ((select auth.jwt() ->> 'sub') = user_id)
  with check ((select auth.jwt() ->> 'sub') = user_id);

create policy "Users delete their own notes"
  on public.notes for delete to authenticated
  using ((select auth.jwt() ->> 'sub') = user_id);

-- The second factor, for Supabase Auth's users: a subject with verified factors needs `aal2`.
-- A third-party token has no `aal` and its subject no factors here (MFA is the provider's), so
-- it passes as `aal1`; the factors are matched by text, since such a subject is not a UUID.
create or replace function private.second_factor_satisfied() returns boolean
language sql stable security definer
set search_path = ''
as $$
  select array[coalesce((select auth.jwt() ->> 'aal'), 'aal1')] <@ (
    select
      case
        when count(id) > 0 then array['aal2']
        else array['aal1', 'aal2']
      end as aal
    from auth.mfa_factors
    where user_id::text = (select auth.jwt() ->> 'sub') and status = 'verified'
  );
$$;

-- A Supabase user deleted for good takes their notes along, as the foreign key did, and a token
-- of theirs that is still valid (an access token lives an hour, a week at most) cannot add one
-- afterwards: the deleted id is remembered for that week, and an insert for it fails as the
-- foreign key failed (23503), which the server answers as signed out.
create table private.deleted_owners (
  owner text primary key,
  deleted_at timestamptz not null default now()
);
revoke all on table private.deleted_owners from public, anon, authenticated;

create or replace function private.delete_notes_of_deleted_user() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  delete from public.notes where user_id = old.id::text;
  delete from private.deleted_owners where deleted_at < now() - interval '7 days';
  insert into private.deleted_owners (owner) values (old.id::text)
    on conflict (owner) do update set deleted_at = now();
  return old;
end;
$$;

revoke all on function private.delete_notes_of_deleted_user() from public;

create trigger notes_go_with_their_user
  after delete on auth.users
  for each row execute function private.delete_notes_of_deleted_user();

create or replace function private.refuse_notes_of_deleted_users() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if exists (select 1 from private.deleted_owners where owner = new.user_id) then
    raise exception 'the owner % was deleted', new.user_id using errcode = '23503';
  end if;
  return new;
end;
$$;

revoke all on function private.refuse_notes_of_deleted_users() from public;

create trigger notes_only_for_users_not_deleted
  before insert on public.notes
  for each row execute function private.refuse_notes_of_deleted_users();

-- The page's functions compare owners the same way.
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
           n.user_id = (select auth.jwt() ->> 'sub')
    from public.notes n
    order by n.created_at desc, n.id
    limit max_rows;
end;
$$;

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
           n.user_id = (select auth.jwt() ->> 'sub')
    from public.notes n
    where n.id = note_id;
end;
$$;

create or replace function app.add_note(role text, claims text, note_body text, max_notes integer)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  me text;
  kept bigint;
begin
  perform app.become(role, claims);
  me := (select auth.jwt() ->> 'sub');
  -- One writer per owner at a time, so the cap holds under concurrent adds.
  perform pg_advisory_xact_lock(hashtextextended('app.notes:' || coalesce(me, ''), 0));
  select count(*) into kept from public.notes where user_id = me;
  if kept >= max_notes then
    return false;
  end if;
  -- `user_id` defaults to the token's subject; the insert policy checks it.
  insert into public.notes (body) values (note_body);
  return true;
end;
$$;

revoke all on all functions in schema app from public;
grant execute on all functions in schema app to app_server;

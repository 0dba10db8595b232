-- Notes: the example of a user's data under Row Level Security. Every policy reads the verified
-- claims the server (or Supabase's Data API) sets for the transaction, through `auth.uid()` and
-- `auth.jwt()`. Applied by `cargo xtask dev`/`test` locally and by `supabase db push` to a project.

create table public.notes (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  body text not null check (char_length(body) between 1 and 2000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index notes_user_id_created_at_idx on public.notes (user_id, created_at desc);

alter table public.notes enable row level security;

-- The owner: sees, adds, changes and deletes only their own notes.
create policy "Users read their own notes"
  on public.notes for select to authenticated
  using ((select auth.uid()) = user_id);

create policy "Users add their own notes"
  on public.notes for insert to authenticated
  with check ((select auth.uid()) = user_id);

create policy "Users change their own notes"
  on public.notes for update to authenticated
  using ((select auth.uid()) = user_id)
  with check ((select auth.uid()) = user_id);

create policy "Users delete their own notes"
  on public.notes for delete to authenticated
  using ((select auth.uid()) = user_id);

-- Administrators read every note: the role comes from the `user_role` claim the custom access
-- token hook adds (Supabase's Custom Claims & RBAC guide).
create policy "Admins read every note"
  on public.notes for select to authenticated
  using ((select auth.jwt() ->> 'user_role') = 'admin');

-- A user who enrolled a second factor reaches their notes only at aal2 (Supabase's MFA guide,
-- "enforce only for users that have opted in"). The guide's query reads auth.mfa_factors, which
-- the API roles may not read, so it runs as its owner in a schema the Data API does not expose.
create schema if not exists private;

create or replace function private.second_factor_satisfied() returns boolean
language sql stable security definer
set search_path = ''
as $$
  select array[(select auth.jwt() ->> 'aal')] <@ (
    select
      case
        when count(id) > 0 then array['aal2']
        else array['aal1', 'aal2']
      end as aal
    from auth.mfa_factors
    where (select auth.uid()) = user_id and status = 'verified'
  );
$$;

revoke all on function private.second_factor_satisfied() from public;
grant usage on schema private to authenticated;
grant execute on function private.second_factor_satisfied() to authenticated;

create policy "Second factor when enrolled"
  on public.notes as restrictive to authenticated
  using ((select private.second_factor_satisfied()))
  with check ((select private.second_factor_satisfied()));

grant select, insert, update, delete on public.notes to authenticated;

-- The role the app's server connects as: it can do nothing but become `anon` or `authenticated`
-- for a transaction (as Supabase's `authenticator` does for the Data API), so every query it runs
-- is under the policies above. Give it a password in the SQL editor before connecting
-- (README: "Data under Row Level Security").
do $$
begin
  if not exists (select from pg_roles where rolname = 'app_server') then
    create role app_server login noinherit;
  end if;
end
$$;

grant anon, authenticated to app_server;

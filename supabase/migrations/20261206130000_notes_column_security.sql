-- Column-level security (Supabase's guide "Column Level Security"): a signed-in user may change
-- the text of their own notes and nothing else. The row policies decide which notes; these grants
-- decide which columns. `id`, `user_id` and `created_at` can then never be rewritten through the
-- Data API or the app, even by the note's owner; `updated_at` follows every change by itself.

revoke update on public.notes from authenticated;
grant update (body) on public.notes to authenticated;

create or replace function private.touch_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

revoke all on function private.touch_updated_at() from public;

create trigger notes_touch_updated_at
  before update on public.notes
  for each row execute function private.touch_updated_at();

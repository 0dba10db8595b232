-- Signed wallet messages the app has exchanged for a session, so that each signs in once even
-- though the auth server takes one again while it is valid; shared by every instance of the app.
-- Keyed by the SHA-256 the app computes (no message is stored). Logged, unlike the attempt
-- windows: forgetting them in a crash would let a leaked signature be replayed. Only the app's
-- server role may use it, through the function below.

create table if not exists private.used_messages (
  key bytea primary key,
  until timestamptz not null
);
revoke all on private.used_messages from public, anon, authenticated;

-- Records `key` as used for `seconds`; true when it was not in use (expired entries are free
-- again), false when it is. Expired entries are swept now and then.
create or replace function private.use_once(key bytea, seconds integer) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  fresh boolean;
begin
  insert into private.used_messages as u (key, until)
  values (use_once.key, now() + make_interval(secs => seconds))
  on conflict on constraint used_messages_pkey do update set until = excluded.until
    where u.until < now()
  returning true into fresh;
  if random() < 0.01 then
    delete from private.used_messages where until < now();
  end if;
  return coalesce(fresh, false);
end
$$;

revoke all on function private.use_once(bytea, integer) from public;
grant execute on function private.use_once(bytea, integer) to app_server;

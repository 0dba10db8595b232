-- The app's attempt limits (sign-ins, sign-ups, codes, MFA per client address and per account),
-- shared by every instance of the app: without it each process counts alone, and three
-- instances allow three times the attempts. One fixed window per kind and subject, keyed by the
-- SHA-256 of both (no address is stored); unlogged, as the counts are worth nothing after a crash
-- and need no WAL. Only the app's server role may count, through the function below.

create unlogged table if not exists private.attempt_windows (
  key bytea primary key,
  started timestamptz not null,
  attempts integer not null
);
revoke all on private.attempt_windows from public, anon, authenticated;

-- Counts one attempt for each of `subjects` (in order, each with its limit and window in
-- seconds) and answers 0 when all are within their limits, else the seconds until the first one
-- over its limit may try again; a subject over its limit stops the count there, so a client over
-- its limit counts against no account. One statement per check; expired windows are swept now and
-- then.
create or replace function private.count_attempt(
  subjects text[],
  limits integer[],
  windows integer[]
) returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  counted integer;
  began timestamptz;
begin
  for i in 1 .. coalesce(array_length(subjects, 1), 0) loop
    insert into private.attempt_windows as w (key, started, attempts)
    values (sha256(convert_to(subjects[i], 'UTF8')), now(), 1)
    on conflict (key) do update set
      started = case
        when w.started <= now() - make_interval(secs => windows[i]) then now()
        else w.started
      end,
      attempts = case
        when w.started <= now() - make_interval(secs => windows[i]) then 1
        else least(w.attempts, 2147483646) + 1
      end
    returning w.attempts, w.started into counted, began;
    if counted > limits[i] then
      return greatest(
        1,
        ceil(extract(epoch from began + make_interval(secs => windows[i]) - now()))::integer
      );
    end if;
  end loop;
  if random() < 0.001 then
    delete from private.attempt_windows where started < now() - interval '1 hour';
  end if;
  return 0;
end
$$;

revoke all on function private.count_attempt(text[], integer[], integer[]) from public;
grant usage on schema private to app_server;
grant execute on function private.count_attempt(text[], integer[], integer[]) to app_server;

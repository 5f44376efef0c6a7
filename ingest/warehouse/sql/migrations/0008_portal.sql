-- The portal's accounts and what each person did (ingest/portal/). Personal accounts: a
-- clerk belongs to one county, a steward sees every county. Passwords are Argon2 hashes.
-- Only the warehouse owner reads or writes this schema: no login role is granted it.
create schema if not exists portal;
revoke all on schema portal from public;

create table if not exists portal.account (
    name text primary key check (name ~ '^[A-Za-z0-9_.@-]{2,64}$'),
    role text not null check (role in ('clerk', 'steward')),
    county_code text check (county_code ~ '^\d{6}$'),
    password_hash text not null,
    created_at timestamptz not null default now(),
    disabled_at timestamptz,
    constraint clerk_has_a_county check ((role = 'clerk') = (county_code is not null))
);
comment on table portal.account is '门户账号：县级填报员（限本县）或数据管理员 / portal accounts';

-- Every login attempt, to throttle guessing (ingest/portal/accounts.py).
create table if not exists portal.login_attempt (
    name text not null,
    address text,
    succeeded boolean not null,
    attempted_at timestamptz not null default now()
);
create index if not exists login_attempt_recent on portal.login_attempt (name, attempted_at);

-- Every action taken in the portal, with the person and the time.
create table if not exists portal.action (
    action_id bigserial primary key,
    name text not null,
    role text not null,
    county_code text,
    action text not null,
    details jsonb not null default '{}',
    acted_at timestamptz not null default now()
);
comment on table portal.action is '门户操作记录（谁、何时、做了什么）/ who did what in the portal';

-- The pseudonymisation key's pads and the record of key rotations (restricted).

-- HMAC pads of the pseudonymisation key (ingest/warehouse/pseudonym.py): the transformer reads them,
-- nobody else; the key itself is never stored.
create table if not exists restricted.pseudonym_key (
    singleton boolean primary key default true check (singleton),
    key_id text not null,
    inner_pad bytea not null,
    outer_pad bytea not null,
    installed_at timestamptz not null default now()
);
revoke all on restricted.pseudonym_key from public, steward, analyst;
grant select on restricted.pseudonym_key to transformer;

-- Key rotations (ingest/warehouse/pseudonym.py: rotate): which key replaced which, and each person's
-- old key beside the new one, so keys saved before a rotation can still be joined. Stewards
-- read both; nobody else. The pads of the old key are not kept.
create table if not exists restricted.key_rotation (
    rotation_id bigint generated always as identity primary key,
    old_key_id text not null,
    new_key_id text not null,
    rotated_at timestamptz not null default now(),
    persons integer not null,
    rekeyed jsonb not null  -- "schema.table.column" -> rows whose key was replaced
);
comment on table restricted.key_rotation is '化名密钥轮换记录 / pseudonymisation key rotations';
create table if not exists restricted.person_key_map (
    rotation_id bigint not null references restricted.key_rotation,
    old_person_key text not null,
    new_person_key text not null,
    primary key (rotation_id, old_person_key)
);
comment on table restricted.person_key_map is '轮换前后的人员化名键对照 / person keys before and after each rotation';
revoke all on restricted.key_rotation, restricted.person_key_map from public, transformer, analyst;
grant select on restricted.key_rotation, restricted.person_key_map to steward;

-- What stewards read of files, failed cells and rejections; the scope of tonight's dbt tests;
-- the role-holding id dbt and a key rotation share.
-- Made again on every `warehouse up` (ingest/warehouse/schema.py).

-- What stewards may know of every received file (they cannot read raw itself).
create or replace view quality.submission_status as
select
    submission_id,
    sha256,
    file_name,
    archive_path,
    county_code,
    period,
    status,
    status_reason,
    version,
    held_back_sheets,
    row_count,
    received_at,
    file_modified_at,
    superseded_by,
    status = 'accepted' and superseded_by is null as is_current
from raw.submission;
comment on view quality.submission_status is '每个报送文件的状态（供数据管理员查看）/ every received file and its status';

-- Every failed check, row by row, traced to the submitted cell: file, sheet, cell, the
-- column's header and the value, with the rule's explanation (the steward's view of an audit).
create or replace view quality.failed_cells as
select
    v.validation_result_id,
    v.run_id,
    v.suite,
    v.expectation,
    v.details ->> 'rule_id' as rule_id,
    v.severity,
    v.waived_by,
    v.details ->> 'explanation' as explanation,
    s.submission_id,
    s.file_name,
    s.county_code,
    s.period,
    k ->> 'source_sheet' as sheet,
    (k ->> 'source_row')::integer as source_row,
    c.column_name,
    c.header,
    c.column_letter || (k ->> 'source_row') as cell,
    k ->> c.column_name as value,
    coalesce(c.column_letter || (k ->> 'source_row'), '第 ' || (k ->> 'source_row') || ' 行') as place
from quality.validation_result as v
cross join lateral jsonb_array_elements(v.details -> 'failing_rows') as k
join quality.submission_status as s on s.submission_id = (k ->> 'submission_id')::bigint
left join quality.source_column as c
    on c.submission_id = s.submission_id
    and c.sheet = k ->> 'source_sheet'
    and v.details -> 'columns' ? c.column_name
where not v.success and k ? 'source_row';
comment on view quality.failed_cells is
    '检查失败的每一行，追溯到报送文件的工作表与单元格 / failed checks traced to the source cell';

-- Cells ingest rejected, with the header the county's sheet gave the column. Dropped first:
-- r.* follows the table's columns, which grow (quality.hold_cells, which reads it, is made again
-- by views/20_approval_views.sql).
drop view if exists quality.rejected_cells_named cascade;
create view quality.rejected_cells_named as
select r.*, coalesce(c.header, r.column_name) as header
from quality.rejected_cells as r
left join quality.source_column as c
    on c.submission_id = r.submission_id and c.sheet = r.sheet and c.column_name = r.column_name;
comment on view quality.rejected_cells_named is '入库时退回的单元格及其在报送表中的栏目名 / rejected cells with their source header';

-- The latest audited run: what the report, the correction workbooks and `steward list` show.
create or replace view quality.latest_audit as
select run_id from quality.validation_result order by validation_result_id desc limit 1;
comment on view quality.latest_audit is '最近一次审核的运行 / the latest audited run';

-- Per county: files received, the newest submission_id, files accepted. Any file received,
-- accepted, quarantined or reprocessed changes its county's entry.
create or replace function quality.submissions_by_county() returns jsonb
language sql stable
return (
    select coalesce(jsonb_object_agg(county, files), '{}'::jsonb)
    from (
        select
            coalesce(county_code, '') as county,
            jsonb_build_array(count(*), max(submission_id), count(*) filter (where status = 'accepted')) as files
        from raw.submission
        group by 1
    ) by_county
);

-- The counties whose rows tonight's dbt tests check, or null for every row: the scope of the
-- run that holds the build lease, while no file has been received since it was decided.
create or replace function quality.tested_counties() returns text[]
language sql stable
return (
    select s.tested_counties
    from quality.test_scope s
    join quality.build_lease l using (run_id)
    where s.submissions = quality.submissions_by_county()
);

-- A role holding's id (person key, role, unit): the dbt model int_cadre_roles_latest and a
-- key rotation, which re-keys the role history, compute it here and nowhere else.
create or replace function restricted.role_holding_id(person_key text, role text, org_unit_code text)
returns text language sql immutable parallel safe
return md5(concat_ws('|', person_key, role, org_unit_code));
revoke all on function restricted.role_holding_id(text, text, text) from public;
grant execute on function restricted.role_holding_id(text, text, text) to transformer;

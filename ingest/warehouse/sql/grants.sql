-- Table privileges: applied on every `warehouse up`, last, so that they cover the tables the
-- migrations and the contract's raw tables made (ingest/warehouse/embedded.py).

grant select, insert on all tables in schema raw to loader;  -- raw rows are append-only
grant update (superseded_by, row_count) on raw.submission to loader;
grant select on all tables in schema raw to transformer;
grant select, insert on quality.rejected_cells, quality.source_column to loader;
grant select on all tables in schema quality to transformer, steward;
grant insert on quality.validation_result, quality.publication, quality.completeness to transformer;  -- results, refusals
grant insert, update on quality.audit_fingerprint to transformer;  -- a run audited again replaces its own
grant insert, update, delete on quality.build_lease to transformer;
grant insert, update on quality.test_scope to transformer;  -- a rebuild check run again replaces its own
grant insert on quality.disposition to steward;  -- decisions are added, never changed
grant select, insert on quality.submission_hold to loader, transformer;  -- holds are added, never changed
grant insert, delete on quality.run_selection to transformer;  -- a night freezes what it builds from
grant update (run_id) on quality.validation_result to transformer;  -- an audit pass set aside by a hold
grant delete on quality.validation_result to transformer;  -- a run audited again replaces its own

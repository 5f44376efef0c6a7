-- Reporting periods are '2025', '2025Q3' or '2025-07' (ingest.contract.PERIOD_PATTERN):
-- their first and last days, for the approval views and the registry's validity.
create or replace function quality.period_start_date(period text) returns date
language sql immutable parallel safe
return (
    case
        when period ~ '^\d{4}$' then make_date(left(period, 4)::int, 1, 1)
        when period ~ '^\d{4}Q[1-4]$' then make_date(left(period, 4)::int, right(period, 1)::int * 3 - 2, 1)
        when period ~ '^\d{4}-\d{2}$' then make_date(left(period, 4)::int, right(period, 2)::int, 1)
    end
);

create or replace function quality.period_end_date(period text) returns date
language sql immutable parallel safe
return (
    case
        when period ~ '^\d{4}$' then make_date(left(period, 4)::int + 1, 1, 1)
        when period ~ '^\d{4}Q[1-4]$'
            then (make_date(left(period, 4)::int, right(period, 1)::int * 3 - 2, 1) + interval '3 months')::date
        when period ~ '^\d{4}-\d{2}$'
            then (make_date(left(period, 4)::int, right(period, 2)::int, 1) + interval '1 month')::date
    end - 1
);


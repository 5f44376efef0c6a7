{#-
    int_persons_pseudonymised, incremental by person. A person's row depends on every mention
    of their ID number in the current submissions of three sheets (cadres, training,
    enterprises), so a night recomputes exactly the persons mentioned in the submissions that
    became current, or stopped being current, since the table was built, and deletes those no
    longer mentioned anywhere. Everyone else keeps their row, key included (a key rotation
    re-keys stored rows in place).

    The (sheet, submission) pairs the table reflects are kept beside it, in
    `<table>__submissions`, written in the model's own transaction:

    persons_changed_removed() (pre-hook): notes the current pairs (temp table `…__now`); when
    incremental, lists the ID numbers met in the raw rows of every pair current but not
    reflected, or reflected but no longer current (temp table `…__changed`), and deletes
    those persons; the model then inserts again those still mentioned (`persons_changed_only`).
    persons_submissions_recorded() (post-hook): records the pairs noted, if they are still the
    current ones. If a submission was loaded while the model ran, it records none instead, and
    the next build recomputes everyone. With no record beside an existing table (the first
    incremental build, or after such a night), every person is recomputed.

    The incremental SQL reads the pre-hook's temporary tables, so it runs only inside dbt's own
    build of the model (not with `dbt show`, nor pasted into psql).
-#}
{% macro persons_submissions_relation() %}
    {{ return(api.Relation.create(
        database=this.database, schema=this.schema, identifier=this.identifier ~ '__submissions'
    )) }}
{% endmacro %}

{% macro persons_submissions_created(recorded) %}
    create table if not exists {{ recorded }} (sheet text not null, submission_id bigint not null);
    comment on table {{ recorded }} is
        '{{ this.identifier }} 所反映的各表现行报送 / the current submission of each sheet that {{ this.identifier }} reflects (see macros/persons_incremental.sql)';
{% endmacro %}

{#- The sheets that mention persons, and the columns holding their ID numbers (the model's
    `mentions` reads the same columns). -#}
{% macro persons_id_columns() %}
    {{ return({
        'cadres': ['id_number', 'mentor1_id_number', 'mentor2_id_number'],
        'training': ['id_number'],
        'enterprises': ['instructor_id_number'],
    }) }}
{% endmacro %}

{#- The current (sheet, submission) pairs of the sheets that mention persons. -#}
{% macro persons_current_submissions() %}
    select sheet, submission_id from (
        {%- for sheet in persons_id_columns() %}
            select '{{ sheet }}'::text as sheet, current_submission.submission_id
            from ({{ current_submissions(sheet) }}) as current_submission
            {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    ) as current_pairs
{% endmacro %}

{% macro persons_changed_removed() %}
    create temp table {{ this.identifier }}__now on commit drop as
    {{ persons_current_submissions() }};

    {% if is_incremental() %}
        {%- set recorded = persons_submissions_relation() %}
        {{ persons_submissions_created(recorded) }}

        create temp table {{ this.identifier }}__changed on commit drop as
        with

        current_pairs as (
            select sheet, submission_id from pg_temp.{{ this.identifier }}__now
        ),

        recorded_pairs as (
            select sheet, submission_id from {{ recorded }}
        ),

        changed_pairs as (
            (select sheet, submission_id from current_pairs
            except
            select sheet, submission_id from recorded_pairs)
            union
            (select sheet, submission_id from recorded_pairs
            except
            select sheet, submission_id from current_pairs)
        ),

        mentioned as (
            {%- for sheet, columns in persons_id_columns().items() %}
            select unnest(array[{{ columns | join(', ') }}]) as id_number
            from {{ source('county_submissions', sheet) }}
            where submission_id in (select submission_id from changed_pairs where sheet = '{{ sheet }}')
            union all
            {%- endfor %}
            -- nothing recorded: everyone
            select id_number
            from {{ this }}
            where not exists (select from recorded_pairs)
        )

        select distinct id_number from mentioned where id_number is not null;

        analyze pg_temp.{{ this.identifier }}__changed;

        delete from {{ this }}
        where id_number in (select id_number from pg_temp.{{ this.identifier }}__changed);
    {% endif %}
{% endmacro %}

{#- In the model: when incremental, `where` (or `and`) the ID number in `column` is a changed
    person's; otherwise nothing. One column per condition, so that the planner can make it a
    hash semi-join: an `or` of several would be a subplan per row. -#}
{% macro persons_changed_only(column, keyword='where') -%}
    {%- if is_incremental() -%}
        {{ keyword }} {{ column }} in (select id_number from pg_temp.{{ this.identifier }}__changed)
    {%- endif -%}
{%- endmacro %}

{% macro persons_submissions_recorded() %}
    {%- set recorded = persons_submissions_relation() %}
    {{ persons_submissions_created(recorded) }}

    delete from {{ recorded }};

    {#- a build from no rows or a sample of them (--empty, --sample) reflects no submission whole -#}
    {%- if not (invocation_args_dict.get('empty') or invocation_args_dict.get('sample')) %}
    insert into {{ recorded }} (sheet, submission_id)
    select sheet, submission_id
    from pg_temp.{{ this.identifier }}__now
    where not exists (
        (select sheet, submission_id from pg_temp.{{ this.identifier }}__now
        except
        {{ persons_current_submissions() }})
        union all
        ({{ persons_current_submissions() }}
        except
        select sheet, submission_id from pg_temp.{{ this.identifier }}__now)
    );
    {%- endif %}
{% endmacro %}

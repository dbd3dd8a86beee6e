-- Counts and amounts by state and reason code of one keyed run on Spark, from its temporary
-- match_units (as match_insert_unit_stats.sql does on DuckDB); the runner writes them to
-- match_stats with the run, the spec and its parameters (spark_insert_match_stats.sql).
with

final as (
    select state, reason_code, sum(n) as n, sum(amount) as amount
    from match_units
    group by state, reason_code
)

select * from final

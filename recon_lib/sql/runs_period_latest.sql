-- The latest finished run of a period (none when the period was never reconciled): what a
-- report page says its figures came from.
with

finished as (
    select run_id, period, started_at, finished_at
    from runs
    where period = $period and finished_at is not null
),

final as (
    select run_id, started_at, finished_at
    from finished
    order by started_at desc
    limit 1
)

select * from final

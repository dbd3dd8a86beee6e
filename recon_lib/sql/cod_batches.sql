-- Remittance batches that may meet the period's deposits (remitted from one deposit window
-- before the period), each with its total and the day its deposit is due (remit_date + the
-- deposit window): a batch is judged in the period holding that day. Lines of any statement
-- loaded count, so a batch split over two files is one batch.
create or replace temp table cod_batches as
with

lines as (
    select r.carrier, r.batch_no, r.remit_date, r.remitted_amount
    from cod_remittances as r
    where r.remit_date >= cast($period_start as date) - $window_days * interval '1' day
      and r.remit_date < cast($period_end as date)
),

final as (
    select
        carrier || '|' || batch_no as batch_id,
        carrier,
        batch_no,
        max(remit_date) as remit_date,
        cast(max(remit_date) as timestamp) as remitted_at,
        max(remit_date) + $window_days as due_date,
        sum(remitted_amount) as amount,                                        -- yuan
        count(*) as lines
    from lines
    group by carrier, batch_no
)

select * from final

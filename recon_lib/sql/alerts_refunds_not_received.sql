-- Refunds paid for goods that had not come back, for the alerts: the period's
-- RET_REFUND_NOT_RECEIVED findings (judged when the return's window closed in the period), per
-- channel and for all channels (channel = 'all', always present, 0 without findings).
--   findings = how many returns
--   amount   = sum of the amounts refunded                                                (yuan)
-- The channel is the order's, else the channel that paid the refund, else '(unknown)'.
with

found as (
    select d.key as return_id, d.order_id, d.amount
    from discrepancies as d
    where d.period = cast($period as varchar) and d.reason_code = 'RET_REFUND_NOT_RECEIVED'
),

refund_channel as (
    select return_id, any_value(channel) as channel
    from refunds
    where return_id is not null
    group by return_id
),

placed as (
    select f.return_id, f.amount, coalesce(o.channel, r.channel, '(unknown)') as channel
    from found as f
    left join orders as o on o.order_id = f.order_id
    left join refund_channel as r on r.return_id = f.return_id
),

final as (
    select
        case when grouping(channel) = 1 then 'all' else channel end as channel,
        count(return_id) as findings,
        cast(coalesce(sum(amount), 0) as double) as amount                        -- yuan
    from placed
    group by grouping sets ((channel), ())
)

select * from final
order by channel = 'all' desc, channel

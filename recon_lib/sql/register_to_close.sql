-- Open items that later data has reconciled, with the reason, as of the period's end: the
-- missing leg has arrived, or a run of the item's own period (or of a longer period holding it,
-- e.g. the week after its days) no longer finds it.
create or replace temp table register_to_close as
with

open_items as (
    select * from register where status in ('open', 'in_progress')
),

gone_on_rerun as (   -- the period it was last seen in, or one holding it, ran and found it gone
    select i.item_id,
           'auto: no longer found when ' || $period || ' was run'
           || case when i.last_seen = $period then ' again' else '' end as reason
    from open_items as i
    where i.last_seen_start >= cast($period_start as date)
      and i.last_seen_end <= cast($period_end as date)
      and not exists (select 1 from discrepancies as d
                      where d.period = $period
                        and d.recon || '|' || d.reason_code || '|' || d.key = i.item_id)
),

shipped_late as (
    select i.item_id, 'auto: shipped ' || strftime(min(s.ship_time), '%Y-%m-%d') as reason
    from open_items as i
    join shipments as s on s.order_id = i.key
    where i.reason_code = 'SHIP_UNSHIPPED' and s.ship_time < cast($period_end as timestamp)
    group by i.item_id
),

billed_late as (
    select i.item_id, 'auto: billed on ' || min(b.bill_date) || ' (' || any_value(b.source_file)
                      || ')' as reason
    from open_items as i
    join courier_bill_lines as b on b.waybill_no = i.key and b.fee_type = 'freight'
    where i.reason_code = 'FRT_UNBILLED'
    group by i.item_id
),

received_late as (
    select i.item_id, 'auto: goods received ' || strftime(min(r.received_at), '%Y-%m-%d')
                      as reason
    from open_items as i
    join return_receipts as r on r.return_id = i.key
    where i.reason_code = 'RET_REFUND_NOT_RECEIVED'
      and r.received_at < cast($period_end as timestamp)
    group by i.item_id
),

refunded_late as (
    select i.item_id, 'auto: refunded ' || strftime(min(f.refunded_at), '%Y-%m-%d') as reason
    from open_items as i
    join refunds as f on f.return_id = i.key
    where i.reason_code = 'RET_RECEIVED_NOT_REFUNDED'
      and f.refunded_at < cast($period_end as timestamp)
    group by i.item_id
),

settled_late as (
    select i.item_id, 'auto: settled ' || strftime(min(s.settled_at), '%Y-%m-%d') as reason
    from open_items as i
    join settlement_lines as s on s.order_id = i.key and s.line_type = 'sale'
    where i.reason_code = 'PAY_NOT_SETTLED' and s.settled_at < cast($period_end as timestamp)
    group by i.item_id
),

deposited_late as (
    select i.item_id, 'auto: deposit ' || min(b.txn_id) || ' quotes it' as reason
    from open_items as i
    join bank_transactions as b on b.reference like '%' || i.key || '%' and b.amount > 0
    where i.reason_code = 'PAY_NO_DEPOSIT' and b.booked_at < cast($period_end as timestamp)
    group by i.item_id
),

final as (
    select item_id, min(reason) as reason
    from (select * from gone_on_rerun union all select * from shipped_late
          union all select * from billed_late union all select * from received_late
          union all select * from refunded_late union all select * from settled_late
          union all select * from deposited_late)
    group by item_id
)

select * from final

-- Open items that later data has reconciled, with the reason, as of the period's end: the
-- missing leg has arrived, or a run of the item's own period (or of a longer period holding it,
-- e.g. the week after its days) made the check again, on loaded data, and no longer finds it.
create or replace temp table register_to_close as
with

open_items as (
    select * from register where status in ('open', 'in_progress')
),

-- "no longer found" counts only where the run made the check that found it: a check whose data
-- was absent (see coverage_checks) or a finding withheld for a carrier or channel without its
-- data closes nothing
checked_codes as (
    select distinct unnest(codes) as reason_code
    from coverage_checks
    where period = $period and scope = '' and status = 'checked'
),

-- carriers (freight) and channels (payments) whose data was absent while others' was there
uncovered as (
    select distinct recon, scope
    from coverage_checks
    where period = $period and scope <> '' and status = 'not_checked'
),

-- the carrier or channel an open item of such a reconciliation is about, where it can be told
item_scope as (
    select i.item_id, i.recon,
           case i.recon
               when 'freight' then coalesce(
                   case when i.reason_code = 'FRT_REBATE_SHORT' then split_part(i.key, '|', 1) end,
                   (select any_value(b.carrier) from courier_bill_lines as b
                    where b.waybill_no = split_part(i.key, '|', 1)),
                   (select any_value(s.carrier) from shipments as s
                    where s.tracking_no = split_part(i.key, '|', 1)))
               when 'payments' then coalesce(
                   (select any_value(o.channel) from orders as o where o.order_id = i.order_id),
                   (select any_value(l.channel) from settlement_lines as l
                    where l.settlement_id = i.key),
                   (select any_value(p.channel) from payouts as p where p.payout_id = i.key))
           end as scope
    from open_items as i
    where i.recon in (select recon from uncovered)
),

-- an item about an uncovered carrier or channel, or one whose carrier or channel cannot be told
-- while some are uncovered, is not judged by this run
not_judged as (
    select s.item_id
    from item_scope as s
    where s.scope is null
       or exists (select 1 from uncovered as u where u.recon = s.recon and u.scope = s.scope)
),

gone_on_rerun as (   -- the period it was last seen in, or one holding it, ran and found it gone
    select i.item_id,
           'auto: no longer found when ' || $period || ' was run'
           || case when i.last_seen = $period then ' again' else '' end as reason
    from open_items as i
    where i.last_seen_start >= cast($period_start as date)
      and i.last_seen_end <= cast($period_end as date)
      and i.reason_code in (select reason_code from checked_codes)
      and not exists (select 1 from discrepancies as d
                      where d.period = $period
                        and d.recon || '|' || d.reason_code || '|' || d.key = i.item_id)
      and i.item_id not in (select item_id from not_judged)
      and not exists (select 1 from coverage_withheld as w
                      where w.period = $period
                        and w.recon || '|' || w.reason_code || '|' || w.key = i.item_id)
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

compensated_late as (   -- a lost or damaged parcel the courier paid for later (docs/claims.md)
    select i.item_id, 'auto: compensation on the bill of ' || min(b.bill_date) || ' ('
                      || any_value(b.source_file) || ')' as reason
    from open_items as i
    join courier_bill_lines as b on b.waybill_no = i.key and b.fee_type = 'compensation'
    where i.reason_code = 'CLM_NOT_COMPENSATED' and b.bill_date < cast($period_end as date)
    group by i.item_id
),

final as (
    select item_id, min(reason) as reason
    from (select * from gone_on_rerun union all select * from shipped_late
          union all select * from billed_late union all select * from received_late
          union all select * from refunded_late union all select * from settled_late
          union all select * from deposited_late union all select * from compensated_late)
    group by item_id
)

select * from final

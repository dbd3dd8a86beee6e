-- Where the money of the period's paid orders went, stage by stage, in CNY (foreign-currency
-- settlement lines at their settlement day's rate). Every stage is computed on its own:
--   paid - not shipped - refunded - not settled - settled differently - platform fees
--        - not paid out - in transit - overdue at the bank = deposited
-- so the identity checks the stages, to the cent. As known at the period's end. A payout not in
-- the bank is in transit while its deposit window ($window_days days after it was paid) is
-- still open at the period's end, and overdue after that: only the second is money to chase.
with

bounds as (
    select cast($period_start as timestamp) as p_start, cast($period_end as timestamp) as p_end
),

orders_paid as (   -- paid in the period, and whether shipped by its end (the P&L's too)
    select * from period_paid_orders($period_start, $period_end)
),

paid as (select order_id, paid_amount from orders_paid),

shipped as (select order_id from orders_paid where shipped),

refunds_by_order as (
    select f.order_id, sum(f.amount) as refunded
    from refunds as f, bounds as b
    where f.refunded_at < b.p_end
    group by f.order_id
),

lines as (   -- settlement lines of shipped orders, in CNY
    select l.order_id, l.line_type, l.payout_id, l.amount_cny
    from settlement_lines_cny($period_end) as l
    where l.order_id in (select order_id from shipped)
),

settled as (select distinct order_id from lines where line_type = 'sale'),

payouts_done as (   -- payouts sent by the period's end
    select p.payout_id, p.paid_at
    from payouts as p, bounds as b
    where p.paid_at < b.p_end
),

deposited_payouts as (   -- a deposit quotes it, or the bank match left no open finding on it
    select d.payout_id
    from payouts_done as d
    where exists (select 1 from bank_transactions as t, bounds as b
                  where t.amount > 0 and t.booked_at < b.p_end
                    and t.reference like '%' || d.payout_id || '%')
       or (d.paid_at + $window_days * interval '1' day < (select p_end from bounds)
           and not exists (select 1 from register as r
                           where r.key = d.payout_id and r.status in ('open', 'in_progress')
                             and r.reason_code in ('PAY_NO_DEPOSIT', 'PAY_MATCH_UNRESOLVED')))
),

stages as (
    select 1 as step, 'paid' as stage, '订单实付 Paid by buyers' as label,
           (select sum(paid_amount) from paid) as amount
    union all
    select 2, 'not_shipped', '未发货 Not shipped (cancelled or pending)',
           (select coalesce(sum(paid_amount), 0) from paid
            where order_id not in (select order_id from shipped))
    union all
    select 3, 'refunded', '已退款 Refunded',
           (select coalesce(sum(r.refunded), 0) from refunds_by_order as r
            where r.order_id in (select order_id from shipped))
    union all
    select 4, 'not_settled', '未结算 Not settled yet',
           (select coalesce(sum(p.paid_amount - coalesce(r.refunded, 0)), 0)
            from paid as p left join refunds_by_order as r on r.order_id = p.order_id
            where p.order_id in (select order_id from shipped)
              and p.order_id not in (select order_id from settled))
    union all
    select 5, 'settled_differently', '结算差异 Settled differently from paid',
           (select coalesce(sum(p.paid_amount - coalesce(r.refunded, 0)), 0)
            from paid as p left join refunds_by_order as r on r.order_id = p.order_id
            where p.order_id in (select order_id from settled))
           - (select coalesce(sum(amount_cny), 0) from lines
              where order_id in (select order_id from settled)
                and line_type not in ('commission', 'fee'))
    union all
    select 6, 'fees', '平台费用 Platform commission and fees',
           -(select coalesce(sum(amount_cny), 0) from lines
             where order_id in (select order_id from settled)
               and line_type in ('commission', 'fee'))
    union all
    select 7, 'not_paid_out', '未提现 Not paid out yet',
           (select coalesce(sum(amount_cny), 0) from lines
            where order_id in (select order_id from settled)
              and (payout_id is null or payout_id not in (select payout_id from payouts_done)))
    union all
    select 8, 'in_transit', '在途 In transit to the bank',
           (select coalesce(sum(amount_cny), 0) from lines
            where order_id in (select order_id from settled)
              and payout_id in (select payout_id from payouts_done
                                where paid_at + $window_days * interval '1' day
                                      >= (select p_end from bounds))
              and payout_id not in (select payout_id from deposited_payouts))
    union all
    select 9, 'not_deposited', '未到账 Overdue at the bank',
           (select coalesce(sum(amount_cny), 0) from lines
            where order_id in (select order_id from settled)
              and payout_id in (select payout_id from payouts_done
                                where paid_at + $window_days * interval '1' day
                                      < (select p_end from bounds))
              and payout_id not in (select payout_id from deposited_payouts))
    union all
    select 10, 'deposited', '已到账 In the bank',
           (select coalesce(sum(amount_cny), 0) from lines
            where order_id in (select order_id from settled)
              and payout_id in (select payout_id from deposited_payouts))
)

select step, stage, label, cast(amount as decimal(18,2)) as amount from stages order by step

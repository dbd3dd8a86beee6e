-- Payment-collection findings. Order-to-settlement pairing comes from the engine's results of
-- this run (spec 'payments_sale': expected sale per order vs the sum of its booked sale lines;
-- 'payments_fees': expected vs booked commission and fee per order and type; 'payments_bank':
-- unquoted payouts vs deposits, grouped by amount within the deposit window); the rest are rules
-- over pay_sale_copies (a sale line listed twice), pay_due, pay_payouts and pay_deposits.
-- Amounts are in the line's or payout's currency (deposits in CNY).
with

results as (
    select * from match_results
    where run_id = $run_id and spec in ('payments_sale', 'payments_fees', 'payments_bank')
),

not_settled as (
    select
        'PAY_NOT_SETTLED' as reason_code, d.order_id as key, d.order_id, d.paid_amount as amount,
        d.channel || ' order dispatched ' || strftime(d.first_ship, '%Y-%m-%d')
            || ' should have settled by ' || strftime(d.deadline, '%Y-%m-%d') || ' ('
            || d.settlement_days || '-day cycle); nothing credited by the period end'
            as explanation,
        to_json({'deadline': d.deadline, 'paid_amount': d.paid_amount}) as details
    from pay_due as d
    where d.sale_lines = 0
),

sale as (   -- an order's sale lines are one unit: their ids listed, their amounts summed
    select
        case r.state when 'missing_left' then 'PAY_UNKNOWN_ORDER'
                     else 'PAY_GROSS_MISMATCH' end as reason_code,
        case when r.state = 'mismatched' then e.order_id else b.settlement_id end as key,
        coalesce(e.order_id, b.order_id) as order_id,
        case when r.state = 'mismatched' then abs(r.booked - e.amount) else r.booked end
            as amount,
        case r.state
            when 'missing_left' then
                case when r.lines = 1 then 'line ' || b.settlement_id || ' credits '
                     else r.lines || ' sale lines (' || b.settlement_id || ', ...) credit ' end
                || r.booked || ' ' || b.currency || ' for order ' || coalesce(b.order_id, '(none)')
                || ', which is not in the order export'
            else 'order paid ' || e.amount || ', the platform credited ' || r.booked || ' '
                || b.currency
                || case when r.lines > 1 then ' in ' || r.lines || ' sale lines' else '' end
        end as explanation,
        r.details
    from (select *, len(right_ids) as lines,
                 cast(json_extract_string(right_values, '$.amount') as decimal(18,2)) as booked
          from results where spec = 'payments_sale'
                         and state in ('mismatched', 'missing_left')) as r
    left join pay_expected as e on e.expected_id = r.left_ids[1]
    left join pay_lines as b on b.settlement_id = r.right_ids[1]
),

copies as (   -- the same sale line listed again
    select
        'PAY_DUPLICATE_LINE' as reason_code, c.settlement_id as key, b.order_id, b.amount,
        'sale of order ' || b.order_id || ' credited again by line ' || c.settlement_id
            || ', the same line as ' || c.first_id || ' (' || b.amount || ' ' || b.currency
            || ' on ' || strftime(b.settled_at, '%Y-%m-%d %H:%M:%S') || ')' as explanation,
        to_json({'first_line': c.first_id, 'copy': c.copy, 'copies': c.copies,
                 'line_ref': b.line_ref}) as details
    from pay_sale_copies as c
    join pay_lines as b on b.channel = c.channel and b.settlement_id = c.settlement_id
),

fees as (
    select
        'PAY_FEE_MISMATCH' as reason_code,
        coalesce(e.order_id, b.order_id) || '|' || coalesce(e.line_type, b.line_type) as key,
        coalesce(e.order_id, b.order_id) as order_id,
        case when e.order_id is null or e.amount is not null   -- unknown without a rate
             then abs(coalesce(b.amount, 0) - coalesce(e.amount, 0)) end as amount,
        coalesce(e.line_type, b.line_type) || ' of order ' || coalesce(e.order_id, b.order_id)
            || ': the fee schedule says '
            || case when e.order_id is null then 'none'
                    else coalesce(cast(-e.amount as varchar), 'an amount in ' || e.currency
                                  || ' not known (no reference rate on the settlement day)') end
            || ', the platform charged ' || coalesce(cast(-b.amount as varchar), 'nothing')
            as explanation,
        r.details
    from results as r
    left join pay_expected as e on e.expected_id = r.left_ids[1]
    left join pay_lines as b on b.settlement_id = r.right_ids[1]
    where r.spec = 'payments_fees' and r.state in ('mismatched', 'missing_left', 'missing_right')
),

payout_totals as (
    select
        'PAY_PAYOUT_MISMATCH' as reason_code, p.payout_id as key, cast(null as varchar),
        abs(p.amount - p.lines_total) as amount,
        'payout ' || p.payout_id || ' paid ' || p.amount || ' ' || p.currency || ' but its '
            || p.lines || ' settlement lines add up to ' || p.lines_total as explanation,
        to_json({'amount': p.amount, 'lines_total': p.lines_total}) as details
    from pay_payouts as p
    where p.paid_at >= cast($period_start as timestamp)
      and abs(p.amount - p.lines_total) > cast($amount_tolerance as decimal(18,2))
),

bank_fees as (   -- fees the bank took, booked as their own lines quoting the payout
    select p.payout_id, sum(b.amount) as fees
    from bank_transactions as b
    join pay_payouts as p on b.reference like '%' || p.payout_id || '%'
    where b.amount < 0
    group by p.payout_id
),

quoted as (
    select p.*, d.txn_id, d.amount as deposited, coalesce(f.fees, 0) as bank_fees,
           d.amount - coalesce(f.fees, 0) - p.amount_cny as difference
    from pay_payouts as p
    join pay_deposits as d on d.payout_id = p.payout_id
    left join bank_fees as f on f.payout_id = p.payout_id
    where p.paid_at >= cast($period_start as timestamp)
),

deposit_mismatch as (
    select
        'PAY_DEPOSIT_MISMATCH' as reason_code, q.payout_id as key, cast(null as varchar),
        abs(q.difference) as amount,
        'payout ' || q.payout_id || ' of ' || q.amount || ' ' || q.currency
            || case when q.currency <> 'CNY' then ' (' || q.amount_cny || ' CNY at '
                    || q.rate_to_cny || ')' else '' end
            || ' arrived as ' || q.deposited || ' CNY (' || q.txn_id || ')'
            || case when q.bank_fees <> 0 then ' after ' || (-q.bank_fees) || ' of bank fees'
                    else '' end as explanation,
        to_json({'txn_id': q.txn_id, 'expected_cny': q.amount_cny, 'deposited': q.deposited})
            as details
    from quoted as q
    where (q.currency = 'CNY' and abs(q.difference) > cast($amount_tolerance as decimal(18,2)))
       or (q.currency <> 'CNY' and abs(q.difference) > cast($fx_tolerance as decimal(9,6))
                                                      * q.amount_cny)
),

bank as (
    select
        case r.state when 'missing_right' then 'PAY_NO_DEPOSIT'
                     when 'missing_left' then 'PAY_DEPOSIT_NO_PAYOUT'
                     else 'PAY_MATCH_UNRESOLVED' end as reason_code,
        coalesce(p.payout_id, d.txn_id) as key,
        cast(null as varchar) as order_id,
        coalesce(p.amount, d.amount) as amount,
        case r.state
            when 'missing_right' then 'payout ' || p.payout_id || ' of ' || p.amount
                || ' paid ' || strftime(p.paid_at, '%Y-%m-%d')
                || ' has no bank deposit within the window'
            when 'missing_left' then 'deposit ' || d.txn_id || ' of ' || d.amount || ' on '
                || strftime(d.booked_at, '%Y-%m-%d') || ' (' || coalesce(d.reference, '') || ', '
                || coalesce(d.counterparty, '') || ') matches no payout'
            else r.explanation end as explanation,
        r.details,
        coalesce(p.paid_at + $window_days * interval '1' day, d.booked_at) as judged_at
    from results as r
    left join pay_payouts as p on p.payout_id = r.left_ids[1]
    left join pay_deposits as d on d.txn_id = r.right_ids[1]
    where r.spec = 'payments_bank' and r.state in ('missing_right', 'missing_left', 'unresolved')
),

foreign_unquoted as (
    select
        'PAY_NO_DEPOSIT' as reason_code, p.payout_id as key, cast(null as varchar),
        p.amount,
        'payout ' || p.payout_id || ' of ' || p.amount || ' ' || p.currency || ' paid '
            || strftime(p.paid_at, '%Y-%m-%d') || ' has no bank deposit quoting it'
            as explanation,
        to_json({'amount_cny': p.amount_cny}) as details
    from pay_payouts as p
    where p.currency <> 'CNY'
      and p.payout_id not in (select payout_id from pay_deposits where payout_id is not null)
      and p.paid_at + $window_days * interval '1' day >= cast($period_start as timestamp)
      and p.paid_at + $window_days * interval '1' day < cast($period_end as timestamp)
),

final as (
    select * from not_settled
    union all select * from sale
    union all select * from copies
    union all select * from fees
    union all select * from payout_totals
    union all select * from deposit_mismatch
    union all select reason_code, key, order_id, amount, explanation, details from bank
              where judged_at >= cast($period_start as timestamp)
                and judged_at < cast($period_end as timestamp)
    union all select * from foreign_unquoted
)

select * from final
order by reason_code, key

-- Freight audit findings. Pairing (duplicates, waybills not ours, parcels not billed, weight and
-- destination differences) comes from the match engine's results of this run (spec 'freight');
-- the contract-price check, surcharge conditions and return freight are rules over the bill;
-- volume rebates come from freight_rebates (the rebate cycles whose credit month, the cycle's own
-- or the next as the contract says, ends in the period).
-- Amounts are in yuan: what can be claimed back, or for unbilled parcels what to accrue.
with

results as (
    select * from match_results
    where run_id = $run_id and spec = 'freight' and reason_code is not null
),

paired as (
    select r.reason_code, r.state, r.explanation, r.details, r.amount,
           b.line_id, b.waybill_no, b.payable, b.fee_type, p.payable as expected_payable
    from results as r
    left join freight_bill as b on b.line_id = r.left_ids[1]
    left join freight_parcels as p on p.tracking_no = b.waybill_no
    where r.state in ('duplicate', 'mismatched', 'missing_right')
),

from_engine as (
    select
        reason_code,
        case when reason_code = 'FRT_DUPLICATE' then waybill_no || '|' || fee_type
             else waybill_no end as key,
        cast(null as varchar) as order_id,
        case when state = 'mismatched' then payable - expected_payable else payable end as amount,
        case state
            when 'duplicate' then fee_type || ' of ' || waybill_no || ' billed again (copy '
                || json_extract_string(details, '$.copy') || ' of '
                || json_extract_string(details, '$.copies') || ', line ' || line_id || ')'
            when 'missing_right' then 'waybill ' || waybill_no
                || ' is not one of our parcels (line ' || line_id || ')'
            else explanation || ' (billed ' || coalesce(cast(payable as varchar), '?')
                || ', contract ' || coalesce(cast(expected_payable as varchar), '?') || ')'
        end as explanation,
        details
    from paired
),

unbilled as (   -- due on a bill by the period's end (see freight_parcels) and on none loaded
    select
        'FRT_UNBILLED' as reason_code,
        p.tracking_no as key,
        cast(null as varchar) as order_id,
        p.payable as amount,
        'parcel ' || p.shipment_id || ' (' || p.carrier || ' ' || p.tracking_no || ') left '
            || strftime(p.ship_time, '%Y-%m-%d') || '; its bill was due by '
            || strftime(p.bill_due - interval 1 second, '%Y-%m-%d')
            || ' and no bill loaded charges it; accrue ' || p.payable as explanation,
        to_json({'ship_time': p.ship_time, 'bill_due': p.bill_due,
                 'expected_payable': p.payable}) as details
    from freight_parcels as p
    where p.bill_due_in_period
      and not exists (select 1 from courier_bill_lines as b
                      where b.waybill_no = p.tracking_no and b.fee_type = 'freight')
),

engine_flagged as (
    select left_ids[1] as line_id from results where state in ('duplicate', 'missing_right')
),

rate_over as (
    select
        'FRT_RATE_OVER' as reason_code,
        b.waybill_no as key,
        cast(null as varchar) as order_id,
        b.payable - b.claimed_payable as amount,
        'billed ' || b.payable || ' for ' || coalesce(cast(b.billed_weight_kg as varchar), '?')
            || ' kg to ' || coalesce(b.billed_province, '?') || '; the rate card says '
            || b.claimed_payable as explanation,
        to_json({'line': b.line_id, 'billed_weight_kg': b.billed_weight_kg,
                 'payable': b.payable, 'contract_payable': b.claimed_payable}) as details
    from freight_bill as b
    where b.fee_type = 'freight'
      and b.payable - b.claimed_payable > cast($amount_tolerance as decimal(18,2))
      and b.line_id not in (select line_id from engine_flagged)
),

surcharges as (
    select
        b.*, p.remote, p.declared_value, p.weight_kg, sc.applies_above_kg
    from freight_bill as b
    join freight_parcels as p on p.tracking_no = b.waybill_no
    left join rate_card_surcharges as sc
      on sc.carrier = b.carrier and sc.surcharge = b.fee_type
     and b.bill_date >= sc.effective_from
     and (sc.effective_to is null or b.bill_date <= sc.effective_to)
    where b.fee_type in ('remote', 'insurance', 'upstairs')
),

invalid_surcharge as (
    select
        'FRT_INVALID_SURCHARGE' as reason_code,
        s.waybill_no || '|' || s.fee_type as key,
        cast(null as varchar) as order_id,
        s.payable as amount,
        case s.fee_type
            when 'remote' then 'remote-area surcharge, but ' || s.waybill_no
                || ' went to a province the contract does not list as remote'
            when 'insurance' then 'insurance charged, but no value was declared'
            else 'upstairs surcharge for a parcel of ' || s.weight_kg || ' kg (applies above '
                || coalesce(cast(s.applies_above_kg as varchar), '-') || ' kg)'
        end as explanation,
        to_json({'line': s.line_id, 'fee_type': s.fee_type, 'payable': s.payable}) as details
    from surcharges as s
    where (s.fee_type = 'remote' and not coalesce(s.remote, false))
       or (s.fee_type = 'insurance' and coalesce(s.declared_value, 0) <= 0)
       or (s.fee_type = 'upstairs' and s.weight_kg <= coalesce(s.applies_above_kg, 1e9))
),

return_without_request as (
    select
        'FRT_RETURN_NO_REQUEST' as reason_code,
        b.waybill_no as key,
        cast(null as varchar) as order_id,
        b.payable as amount,
        'return freight for ' || b.waybill_no || ', which no return request names' as explanation,
        to_json({'line': b.line_id, 'payable': b.payable}) as details
    from freight_bill as b
    where b.fee_type = 'return'
      and b.waybill_no not in (select return_tracking_no from return_requests
                               where return_tracking_no is not null)
),

rebate_short as (   -- credited below the tier the month reached; an over-credit is no claim
    select
        'FRT_REBATE_SHORT' as reason_code,
        r.carrier || '|' || r.cycle as key,
        cast(null as varchar) as order_id,
        r.due - r.credited as amount,
        r.explanation,
        to_json({'carrier': r.carrier, 'cycle': r.cycle, 'cycle_last_day': r.cycle_last_day,
                 'credit_month': r.credit_month, 'service': r.service, 'basis': r.basis,
                 'parcels': r.parcels, 'freight': r.freight, 'tier': r.tier,
                 'tier_from': r.tier_from,
                 'rate': r.rate, 'due': r.due, 'credited': r.credited,
                 'credit_lines': r.credit_lines, 'scheme': r.scheme_row}) as details
    from freight_rebates as r
    where r.due - r.credited > cast($amount_tolerance as decimal(18,2))
),

final as (
    select * from from_engine
    union all select * from unbilled
    union all select * from rate_over
    union all select * from invalid_surcharge
    union all select * from return_without_request
    union all select * from rebate_short
)

select * from final
order by reason_code, key

-- Freight audit findings. Pairing (duplicates, waybills not ours, parcels not billed, weight and
-- destination differences) comes from the match engine's results of this run (spec 'freight');
-- the contract-price check, surcharge conditions and return freight are rules over the bill;
-- volume rebates come from freight_rebates (the rebate cycles whose credit month, the cycle's own
-- or the next as the contract says, ends in the period).
-- Amounts are in yuan: what can be claimed back, or for unbilled parcels what to accrue (NULL
-- when no rate card prices the parcel: the explanation says so).
--
-- One finding per business key: our parcel of a waybill is one row of freight_parcels (the macro
-- one_shipment_per_waybill), and the lines of one key (three copies of a freight line, a
-- surcharge billed twice) are one finding whose amount is their sum (see final).
-- A check whose input is missing on a line or parcel (no destination or weight on the bill, no
-- weight, declared value or rate card for our parcel) is not made on it: no finding, counted by
-- freight_uncheckable.sql instead.
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
        details,
        line_id
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
            || ' and no bill loaded charges it; '
            || case when p.payable is not null then 'accrue ' || p.payable
                    when not p.has_rate then 'no rate card for ' || p.carrier || ' to '
                        || coalesce(p.dest_province, 'an unknown destination')
                        || ': the fee to accrue is unknown'
                    else 'the parcel has no weight: the fee to accrue is unknown'
               end as explanation,
        to_json({'ship_time': p.ship_time, 'bill_due': p.bill_due,
                 'expected_payable': p.payable, 'has_rate': p.has_rate}) as details,
        p.tracking_no as line_id
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
            || ' kg to ' || case b.priced_from when 'bill' then b.billed_province
                                 else b.priced_province || ' (our parcel''s destination: the '
                                      || 'bill names none)' end
            || '; the rate card says ' || b.claimed_payable as explanation,
        to_json({'line': b.line_id, 'billed_weight_kg': b.billed_weight_kg,
                 'priced_province': b.priced_province, 'priced_from': b.priced_from,
                 'payable': b.payable, 'contract_payable': b.claimed_payable}) as details,
        b.line_id
    from freight_bill as b
    where b.fee_type = 'freight'
      and b.payable - b.claimed_payable > cast($amount_tolerance as decimal(18,2))
      and b.line_id not in (select line_id from engine_flagged)
),

surcharges as (
    select
        b.*, p.has_rate as parcel_has_rate, p.remote, p.declared_value, p.weight_kg,
        sc.surcharge is not null as contracted, sc.applies_above_kg
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
            when 'insurance' then 'insurance charged, but the declared value is '
                || s.declared_value
            when 'upstairs' then case
                when not s.contracted then 'upstairs surcharge, which the contract does not have'
                else 'upstairs surcharge for a parcel of ' || s.weight_kg || ' kg (applies above '
                     || s.applies_above_kg || ' kg)' end
        end as explanation,
        to_json({'line': s.line_id, 'fee_type': s.fee_type, 'payable': s.payable}) as details,
        s.line_id
    from surcharges as s
    -- a parcel without a rate card (remote or not unknown), without a declared value or, for
    -- a weight limit, without a weight is not judged: see freight_uncheckable.sql. A contract
    -- row without a weight limit applies to any weight.
    where (s.fee_type = 'remote' and s.parcel_has_rate and not coalesce(s.remote, false))
       or (s.fee_type = 'insurance' and s.declared_value <= 0)
       or (s.fee_type = 'upstairs' and (not s.contracted or s.weight_kg <= s.applies_above_kg))
),

return_without_request as (
    select
        'FRT_RETURN_NO_REQUEST' as reason_code,
        b.waybill_no as key,
        cast(null as varchar) as order_id,
        b.payable as amount,
        'return freight for ' || b.waybill_no || ', which no return request names' as explanation,
        to_json({'line': b.line_id, 'payable': b.payable}) as details,
        b.line_id
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
                 'credit_lines': r.credit_lines, 'scheme': r.scheme_row}) as details,
        r.carrier || '|' || r.cycle as line_id
    from freight_rebates as r
    where r.due - r.credited > cast($amount_tolerance as decimal(18,2))
),

found as (
    select * from from_engine
    union all select * from unbilled
    union all select * from rate_over
    union all select * from invalid_surcharge
    union all select * from return_without_request
    union all select * from rebate_short
),

final as (   -- one finding per key: the lines of a key add up, their explanations are listed
    select
        reason_code,
        key,
        any_value(order_id) as order_id,
        sum(amount) as amount,
        case when count(*) = 1 then any_value(explanation)
             else count(*) || ' bill lines: '
                  || string_agg(explanation, '; ' order by line_id) end as explanation,
        case when count(*) = 1 then any_value(details)
             else to_json(list(details order by line_id)) end as details
    from found
    group by reason_code, key
)

select * from final
order by reason_code, key

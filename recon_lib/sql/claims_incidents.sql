-- Lost and damaged parcels (丢件, 破损) and what their couriers owe and paid for them, as known at
-- the period's end. One row per waybill of ours with a lost or damaged tracking event before the
-- period's end: its incident is the first such event (a parcel damaged, then lost, is damaged).
--
-- The rule: the compensation_rules row of the parcel's courier, incident and insurance (insured:
-- a declared value above 0, or, where the parcel has no declared value, an insurance line on a
-- bill) in effect on the incident's day. It gives
--   by_rule = multiple x basis, rounded half up to the cent; basis = the parcel's billed freight
--             (its first freight line), the value of its goods (units packed on the waybill at
--             the order's unit price for the SKU: the highest, if the order lists it twice) or
--             its declared value
--   owed    = by_rule, at most the rule's cap, and for an insured parcel at most its declared
--             value                                                                       (yuan)
-- owed is NULL, never 0, when a value it needs is not known (no freight line, a SKU without an
-- order price, an insured parcel without a declared value) or no rule covers the parcel.
--
-- due: the claim deadline's end, the start of the day after incident day + claim_days. The
-- incident is judged in the run whose period holds it (period_start < due <= period_end), so
-- once, and never before the courier had the contract's days to pay.
--
-- received: what the courier paid for the waybill by the period's end: minus its compensation
-- lines (fee_type 'compensation', negative) on bills dated before the period's end, plus bank
-- deposits booked before it whose reference quotes the waybill (a deposit quoting several of
-- these waybills is shared equally between them; a statement loaded twice counts once).
create or replace temp table claims_incidents as
with

params as (
    select cast($period_start as timestamp) as p_start, cast($period_end as timestamp) as p_end
),

events as (   -- the first lost or damaged event of each waybill
    select
        e.tracking_no,
        e.event_type as incident,
        e.event_time as incident_time,
        e.location
    from tracking_events as e, params as pr
    where e.event_type in ('lost', 'damaged') and e.event_time < pr.p_end
    qualify row_number() over (partition by e.tracking_no
                               order by e.event_time, e.event_type desc) = 1
),

parcels as (   -- ours: the parcel of the waybill (one_shipment_per_waybill)
    select
        e.*,
        s.shipment_id, s.order_id, s.carrier, s.service, s.warehouse, s.ship_time,
        s.dest_province, s.declared_value
    from events as e
    join one_shipment_per_waybill() as s on s.tracking_no = e.tracking_no
),

bill_lines as (   -- the bills' lines of these waybills, up to the period's end
    select b.*
    from courier_bill_lines as b, params as pr
    where b.waybill_no in (select tracking_no from parcels)
      and b.bill_date < cast(pr.p_end as date)
),

billed as (
    select
        waybill_no,
        first(payable order by bill_date, source_file, source_row)
            filter (where fee_type = 'freight') as freight,                       -- yuan
        bool_or(fee_type = 'insurance') as insurance_billed,
        -sum(payable) filter (where fee_type = 'compensation') as credited,      -- yuan
        string_agg(source_file || ' row ' || source_row, ', '
                   order by bill_date, source_file, source_row)
            filter (where fee_type = 'compensation') as credit_lines,
        max(bill_date) filter (where fee_type = 'compensation') as credited_on
    from bill_lines
    group by waybill_no
),

goods as (   -- every shipment row of the waybill (two orders in one parcel) and its units
    select
        s.tracking_no,
        case when count(*) = count(ol.unit_price)
             then sum(sl.qty * ol.unit_price) end as goods_value                 -- yuan
    from shipments as s
    join shipment_lines as sl on sl.shipment_id = s.shipment_id
    left join (select order_id, sku, max(unit_price) as unit_price
               from order_lines
               where order_id in (select order_id from shipments
                                  where tracking_no in (select tracking_no from parcels))
               group by order_id, sku) as ol
      on ol.order_id = s.order_id and ol.sku = sl.sku
    where s.tracking_no in (select tracking_no from parcels)
    group by s.tracking_no
),

deposits as (   -- bank deposits before the period's end quoting these waybills
    select d.account, d.txn_id, d.booked_at, d.amount, d.number as waybill_no
    from (select b.account, b.txn_id, b.booked_at, b.amount,
                 unnest(reference_numbers(b.reference)) as number
          from (select * from bank_transactions
                qualify row_number() over (partition by account, txn_id
                                           order by period desc) = 1) as b,
               params as pr
          where b.amount > 0 and b.booked_at < pr.p_end) as d
    where d.number in (select tracking_no from parcels)
),

transferred as (
    select
        waybill_no,
        sum(cast(amount / shares as decimal(18,2))) as transferred,                -- yuan
        string_agg(txn_id, ', ' order by booked_at, txn_id) as bank_txns
    from (select *, count(*) over (partition by account, txn_id) as shares from deposits)
    group by waybill_no
),

insured as (
    select
        p.*,
        coalesce(p.declared_value > 0, coalesce(b.insurance_billed, false)) as insured,
        b.freight, b.credited, b.credit_lines, b.credited_on,
        g.goods_value
    from parcels as p
    left join billed as b on b.waybill_no = p.tracking_no
    left join goods as g on g.tracking_no = p.tracking_no
),

ruled as (
    select
        i.*,
        r.basis, r.multiple, r.cap, r.claim_days,
        r.source_file || ' row ' || r.source_row as rule_row,
        r.carrier is not null as has_rule
    from insured as i
    left join compensation_rules as r
      on r.carrier = i.carrier and r.incident = i.incident and r.insured = i.insured
     and cast(i.incident_time as date) >= r.effective_from
     and (r.effective_to is null or cast(i.incident_time as date) <= r.effective_to)
    qualify row_number() over (partition by i.tracking_no order by r.effective_from desc) = 1
),

owed as (
    select
        r.*,
        cast(round(r.multiple * case r.basis when 'freight_multiple' then r.freight
                                            when 'goods_value' then r.goods_value
                                            when 'declared_value' then r.declared_value end, 2)
             as decimal(18,2)) as by_rule,                                         -- yuan
        cast(cast(r.incident_time as date) + r.claim_days + 1 as timestamp) as due
    from ruled as r
),

final as (
    select
        o.tracking_no, o.shipment_id, o.order_id, o.carrier, o.service, o.warehouse,
        o.ship_time, o.dest_province, o.incident, o.incident_time, o.location, o.insured,
        o.declared_value, o.freight, o.goods_value, o.has_rule, o.basis, o.multiple, o.cap,
        o.claim_days, o.rule_row, o.by_rule,
        case when o.by_rule is not null and not (o.insured and o.declared_value is null)
             then least(o.by_rule, o.cap, case when o.insured then o.declared_value end)
        end as owed,                                                                -- yuan
        o.due,
        o.due > pr.p_start and o.due <= pr.p_end as judged,
        o.credited, o.credit_lines, o.credited_on,
        t.transferred, t.bank_txns,
        cast(coalesce(o.credited, 0) + coalesce(t.transferred, 0) as decimal(18,2))
            as received,                                                            -- yuan
        o.credited is not null or t.transferred is not null as paid_any
    from owed as o
    left join transferred as t on t.waybill_no = o.tracking_no
    cross join params as pr
)

select * from final

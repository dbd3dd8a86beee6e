-- Carrier scorecard for a period, per carrier (level 'carrier') and per carrier x destination
-- province (level 'province'). Parcels: our shipments that left in the period, judged on every
-- tracking event loaded so far. Money: courier bill lines dated in the period.
--   on_time_rate     = parcels delivered on or before promised_date / delivered parcels that
--                      have a promised date (NULL when none)                          (share)
--   avg/p90 delivery_days = ship_time -> first 'delivered' event, fractional days; p90 is
--                      quantile_cont (linear interpolation)                            (days)
--   damage_rate, loss_rate = parcels with a 'damaged' / 'lost' event / parcels          (share)
--   incident_rate    = parcels with a 'damaged' or 'lost' event / parcels              (share)
--   cost_per_parcel  = freight-line payable / distinct waybills billed for freight     (yuan)
--   cost_per_kg      = freight-line payable / billed_weight_kg of those lines    (yuan per kg)
--   provinces        = distinct destination provinces of the parcels (1 on province rows)
--   billing_accuracy = share of bill lines (all fee types) whose waybill has no freight finding
--                      of the period other than FRT_UNBILLED                           (share)
--   claimable        = the period's claims against the carrier: the amounts of its freight
--                      findings other than FRT_UNBILLED (an accrual, not a claim), the same money
--                      as freight_by_carrier's claimable and the freight_overcharge alert (yuan)
--                      A rebate credited short (FRT_REBATE_SHORT) is owed by the carrier too,
--                      but on its whole month's bill: it counts on the carrier row only, so the
--                      province rows may add up to less.
-- Score: each metric is scaled 0..1 across the carriers of the same level and province
-- (min-max; 1 = best): higher is better for on_time_rate, provinces, billing_accuracy; lower is
-- better for avg_delivery_days, incident_rate, cost_per_parcel. When every carrier has the same
-- value the metric scores 1. score = sum(weight x scaled) / sum(weight) over the metrics the
-- carrier has (a NULL metric drops out with its weight). rank 1 = best (ties share a rank).
-- Only rows with parcels of ours in the period are compared, scored and ranked: a row made of
-- bill lines alone (return freight, waybills that are not ours, a province the bill left blank)
-- keeps its money figures but no score or rank, and never sets another carrier's bounds.
-- Provinces are normalised by the macro short_province (suffixes 省, 市, 自治区... removed); a
-- parcel or bill line without one is under province '(unknown)', which does not count as
-- coverage, and is listed last. A claim's courier comes from the macro
-- freight_findings_by_carrier. A parcel is a
-- waybill: one shipment row per waybill (macro one_shipment_per_waybill), however many orders
-- were packed in it.
with

params as (
    select
        cast($period_start as timestamp) as p_start,
        cast($period_end as timestamp) as p_end,
        cast($period as varchar) as period,
        cast($w_on_time as double) as w_on_time,
        cast($w_speed as double) as w_speed,
        cast($w_incidents as double) as w_incidents,
        cast($w_cost as double) as w_cost,
        cast($w_coverage as double) as w_coverage,
        cast($w_billing as double) as w_billing
),

shipped as (
    select
        s.carrier,
        s.tracking_no,
        s.ship_time,
        short_province(s.dest_province) as province
    from one_shipment_per_waybill() as s, params as p
    where s.ship_time >= p.p_start and s.ship_time < p.p_end
),

events as (
    select
        tracking_no,
        min(case when event_type = 'delivered' then event_time end) as delivered_at,
        max(promised_date) as promised_date,
        bool_or(event_type = 'damaged') as damaged,
        bool_or(event_type = 'lost') as lost
    from tracking_events
    group by tracking_no
),

parcels as (
    select
        s.carrier,
        s.province,
        e.delivered_at,
        date_diff('second', s.ship_time, e.delivered_at) / 86400.0 as delivery_days,  -- days
        case when e.promised_date is not null
             then cast(e.delivered_at as date) <= e.promised_date end as on_time,
        coalesce(e.damaged, false) as damaged,
        coalesce(e.lost, false) as lost
    from shipped as s
    left join events as e on e.tracking_no = s.tracking_no
),

parcel_stats as (
    select
        case when grouping(province) = 1 then 'carrier' else 'province' end as level,
        carrier,
        case when grouping(province) = 0 then coalesce(province, '(unknown)') end as province,
        count(*) as parcels,
        count(delivered_at) as delivered,
        count(on_time) as judged,
        count(*) filter (where on_time) as on_time,
        count(*) filter (where on_time) / nullif(count(on_time), 0) as on_time_rate,
        avg(delivery_days) as avg_delivery_days,
        quantile_cont(delivery_days, 0.9) as p90_delivery_days,
        avg(cast(damaged as double)) as damage_rate,
        avg(cast(lost as double)) as loss_rate,
        avg(cast(damaged or lost as double)) as incident_rate,
        count(distinct province) as provinces
    from parcels
    group by grouping sets ((carrier), (carrier, province))
),

bill as (
    select
        b.carrier,
        b.waybill_no,
        b.fee_type,
        b.payable,                                                                 -- yuan
        b.billed_weight_kg,                                                        -- kg
        short_province(coalesce(s.dest_province, b.dest_province)) as province
    from courier_bill_lines as b
    cross join params as p
    left join one_shipment_per_waybill() as s on s.tracking_no = b.waybill_no
    where b.bill_date >= cast(p.p_start as date) and b.bill_date < cast(p.p_end as date)
),

findings as (   -- the period's claims, each with its courier (as in the freight report)
    select waybill_no, carrier, amount
    from freight_findings_by_carrier($period)
    where reason_code <> 'FRT_UNBILLED'
),

flagged as (   -- a rebate finding's key is '<carrier>|<month>', not a waybill on the bill
    select distinct waybill_no from findings where waybill_no is not null
),

waybill_province as (   -- where a claim's waybill went: as its bill line says, else our parcel
    select
        f.waybill_no,
        coalesce(b.province, short_province(s.dest_province)) as province
    from flagged as f
    left join (select waybill_no, any_value(province) as province   -- the claims' lines only
               from bill semi join flagged using (waybill_no)
               group by waybill_no) as b on b.waybill_no = f.waybill_no
    left join one_shipment_per_waybill() as s on s.tracking_no = f.waybill_no
),

claimed as (   -- a rebate has no waybill, so no province: it counts on the carrier row only
    select 'carrier' as level, carrier, cast(null as varchar) as province,
           cast(sum(amount) as double) as claimable                               -- yuan
    from findings
    group by carrier
    union all
    select 'province', f.carrier, coalesce(w.province, '(unknown)'),
           cast(sum(f.amount) as double)                                          -- yuan
    from findings as f
    join waybill_province as w on w.waybill_no = f.waybill_no
    group by f.carrier, coalesce(w.province, '(unknown)')
),

bill_stats as (
    select
        case when grouping(province) = 1 then 'carrier' else 'province' end as level,
        carrier,
        case when grouping(province) = 0 then coalesce(province, '(unknown)') end as province,
        count(*) as bill_lines,
        count(distinct case when fee_type = 'freight' then waybill_no end) as billed_parcels,
        cast(sum(payable) filter (where fee_type = 'freight') as double) as freight_payable,
        cast(sum(billed_weight_kg) filter (where fee_type = 'freight') as double) as billed_kg,
        1 - avg(case when waybill_no in (select waybill_no from flagged) then 1.0 else 0.0 end)
            as billing_accuracy
    from bill
    group by grouping sets ((carrier), (carrier, province))
),

metrics as (
    select
        coalesce(ps.level, bs.level) as level,
        coalesce(ps.carrier, bs.carrier) as carrier,
        coalesce(ps.province, bs.province) as province,
        coalesce(ps.parcels, 0) as parcels,
        coalesce(ps.delivered, 0) as delivered,
        coalesce(ps.judged, 0) as judged,
        coalesce(ps.on_time, 0) as on_time,
        ps.on_time_rate,
        ps.avg_delivery_days,
        ps.p90_delivery_days,
        ps.damage_rate,
        ps.loss_rate,
        ps.incident_rate,
        coalesce(ps.provinces, 0) as provinces,
        coalesce(bs.bill_lines, 0) as bill_lines,
        coalesce(bs.billed_parcels, 0) as billed_parcels,
        bs.freight_payable,
        bs.billed_kg,
        bs.freight_payable / nullif(bs.billed_parcels, 0) as cost_per_parcel,     -- yuan
        bs.freight_payable / nullif(bs.billed_kg, 0) as cost_per_kg,              -- yuan per kg
        bs.billing_accuracy,
        coalesce(rc.claimable, 0) as claimable
    from parcel_stats as ps
    full outer join bill_stats as bs
      on bs.level = ps.level and bs.carrier = ps.carrier
     and bs.province is not distinct from ps.province
    left join claimed as rc
      on rc.level = coalesce(ps.level, bs.level) and rc.carrier = coalesce(ps.carrier, bs.carrier)
     and rc.province is not distinct from coalesce(ps.province, bs.province)
),

compared as (   -- the rows a score compares: those with parcels of ours in the period
    select
        *,
        parcels > 0 as ranked,
        case when parcels > 0 then on_time_rate end as c_on_time,
        case when parcels > 0 then avg_delivery_days end as c_speed,
        case when parcels > 0 then incident_rate end as c_incidents,
        case when parcels > 0 then cost_per_parcel end as c_cost,
        case when parcels > 0 then provinces end as c_coverage,
        case when parcels > 0 then billing_accuracy end as c_billing
    from metrics
),

bounds as (
    select
        *,
        min(c_on_time) over w as lo_on_time, max(c_on_time) over w as hi_on_time,
        min(c_speed) over w as lo_speed, max(c_speed) over w as hi_speed,
        min(c_incidents) over w as lo_incidents, max(c_incidents) over w as hi_incidents,
        min(c_cost) over w as lo_cost, max(c_cost) over w as hi_cost,
        min(c_coverage) over w as lo_coverage, max(c_coverage) over w as hi_coverage,
        min(c_billing) over w as lo_billing, max(c_billing) over w as hi_billing
    from compared
    window w as (partition by level, province)
),

scaled as (   -- 1 = best among the carriers compared; NULL when the carrier lacks the metric
    select
        *,
        case when not ranked or on_time_rate is null then null
             when hi_on_time = lo_on_time then 1.0
             else (on_time_rate - lo_on_time) / (hi_on_time - lo_on_time) end as s_on_time,
        case when not ranked or avg_delivery_days is null then null
             when hi_speed = lo_speed then 1.0
             else (hi_speed - avg_delivery_days) / (hi_speed - lo_speed) end as s_speed,
        case when not ranked or incident_rate is null then null
             when hi_incidents = lo_incidents then 1.0
             else (hi_incidents - incident_rate) / (hi_incidents - lo_incidents) end
            as s_incidents,
        case when not ranked or cost_per_parcel is null then null
             when hi_cost = lo_cost then 1.0
             else (hi_cost - cost_per_parcel) / (hi_cost - lo_cost) end as s_cost,
        case when not ranked or provinces is null then null
             when hi_coverage = lo_coverage then 1.0
             else (provinces - lo_coverage) / (hi_coverage - lo_coverage) end as s_coverage,
        case when not ranked or billing_accuracy is null then null
             when hi_billing = lo_billing then 1.0
             else (billing_accuracy - lo_billing) / (hi_billing - lo_billing) end as s_billing
    from bounds
),

scored as (
    select
        s.*,
        (coalesce(p.w_on_time * s.s_on_time, 0) + coalesce(p.w_speed * s.s_speed, 0)
         + coalesce(p.w_incidents * s.s_incidents, 0) + coalesce(p.w_cost * s.s_cost, 0)
         + coalesce(p.w_coverage * s.s_coverage, 0) + coalesce(p.w_billing * s.s_billing, 0))
        / nullif(case when s.s_on_time is null then 0 else p.w_on_time end
                 + case when s.s_speed is null then 0 else p.w_speed end
                 + case when s.s_incidents is null then 0 else p.w_incidents end
                 + case when s.s_cost is null then 0 else p.w_cost end
                 + case when s.s_coverage is null then 0 else p.w_coverage end
                 + case when s.s_billing is null then 0 else p.w_billing end, 0) as score
    from scaled as s, params as p
),

final as (
    select
        level, carrier, province,
        parcels, delivered, judged, on_time, on_time_rate,
        avg_delivery_days, p90_delivery_days,
        damage_rate, loss_rate, incident_rate,
        bill_lines, billed_parcels, freight_payable, billed_kg, cost_per_parcel, cost_per_kg,
        provinces, billing_accuracy, claimable,
        s_on_time, s_speed, s_incidents, s_cost, s_coverage, s_billing,
        score,
        case when score is not null
             then rank() over (partition by level, province order by score desc nulls last)
        end as rank
    from scored
)

select * from final
order by level, province = '(unknown)', province nulls first, rank nulls last, carrier

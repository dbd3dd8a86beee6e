-- Volume rebates (返利) of the courier contracts: per carrier and rebate cycle (a calendar
-- month), the rebate the contract gives and the rebate the bill credits. The contract says which
-- bill carries a cycle's credit: its own month's (credit_lag_months 0, 当月) or the next month's
-- (1, 次月). A cycle is judged in the period that holds the last day of that credit month, on all
-- of the cycle's data, so a credit that comes with the next bill is not reported missing before
-- that bill exists; a period that holds no month's last day judges no rebate.
--   volume   = our parcels on the cycle's bills: freight lines dated in the cycle whose waybill is
--              one of our shipments (of the scheme's product, when it names one), each waybill
--              once; freight = their billed payable, one freight line per waybill (a duplicate
--              line is claimed back as FRT_DUPLICATE, it earns no rebate)
--   due      = the cycle's freight x the rate of the highest tier the volume reaches (a tier's
--              rate applies to all of the cycle's freight), rounded half up to the cent
--   credited = minus the carrier's rebate lines (fee_type 'rebate', negative) dated in the credit
--              month. Lines carry no cycle a query could trust, so a bill's lines belong to the
--              cycle the contract puts on that bill. Only a contract that moves its credit to an
--              earlier bill (lag 1, then 0) puts two cycles on one bill: its lines pay the older
--              cycle first, up to its due, and the newer one gets the rest.
-- Rebate lines on a bill that carries no cycle's credit (a courier without a scheme, or the first
-- bill of a scheme that credits the next month) are shown under their own month, with nothing
-- due (an over-credit, not a claim).
-- Amounts are in yuan.
create or replace temp table freight_rebates as
with

credit_months as (   -- calendar months whose last day falls in [period_start, period_end)
    select
        cast(m as date) as credit_start,
        cast(m + interval 1 month as date) as credit_end                    -- exclusive
    from range(date_trunc('month', cast($period_start as timestamp)),
               cast($period_end as timestamp), interval 1 month) as months(m)
    where m + interval 1 month > cast($period_start as timestamp)
      and m + interval 1 month <= cast($period_end as timestamp)
),

candidate_cycles as (   -- months whose credit may be due on those bills, for the lags in use
    select distinct
        cast(c.credit_start - to_months(l.lag) as date) as cycle_start,
        cast(c.credit_start - to_months(l.lag) + interval 1 month as date) as cycle_end
    from credit_months as c
    cross join (select distinct coalesce(credit_lag_months, 0) as lag
                from rate_card_rebates) as l
),

governing as (   -- the carrier's scheme in effect on the cycle's last day
    select
        c.cycle_start, c.cycle_end,
        r.carrier, r.service, r.basis,
        r.tier1_from, r.tier1_rate, r.tier2_from, r.tier2_rate, r.tier3_from, r.tier3_rate,
        r.tier4_from, r.tier4_rate, r.tier5_from, r.tier5_rate,
        coalesce(r.credit_lag_months, 0) as lag,                              -- months
        r.source_file || ' row ' || r.source_row as scheme_row
    from candidate_cycles as c
    join rate_card_rebates as r
      on r.effective_from < c.cycle_end
     and (r.effective_to is null or r.effective_to >= c.cycle_end - 1)
    -- one scheme per carrier is validated on load; across loads the latest start wins
    qualify row_number() over (partition by c.cycle_start, r.carrier
                               order by r.effective_from desc) = 1
),

schemes as (   -- the cycles whose credit that scheme puts on a bill of the period
    select *, cast(cycle_start + to_months(lag) as date) as credit_start
    from governing
    where cast(cycle_start + to_months(lag) as date) in (select credit_start from credit_months)
),

tiers as (   -- one row per tier (schema.REBATE_TIERS = 5)
    select
        cycle_start, carrier, basis,
        unnest([1, 2, 3, 4, 5]) as tier,
        unnest([tier1_from, tier2_from, tier3_from, tier4_from, tier5_from]) as tier_from,
        unnest([tier1_rate, tier2_rate, tier3_rate, tier4_rate, tier5_rate]) as tier_rate
    from schemes
),

parcels as (   -- our parcels on the cycle's bills, one freight line each
    select c.cycle_start, b.carrier, b.waybill_no, s.service, b.payable
    from (select distinct cycle_start, cycle_end from schemes) as c
    join courier_bill_lines as b
      on b.bill_date >= c.cycle_start and b.bill_date < c.cycle_end
    join one_shipment_per_waybill() as s on s.tracking_no = b.waybill_no   -- its product
    where b.fee_type = 'freight'
    qualify row_number() over (partition by c.cycle_start, b.carrier, b.waybill_no
                               order by b.source_file, b.source_row) = 1
),

volume as (
    select
        sc.cycle_start, sc.carrier,
        count(p.waybill_no) as parcels,
        coalesce(sum(p.payable), 0) as freight                              -- yuan
    from schemes as sc
    left join parcels as p
      on p.cycle_start = sc.cycle_start and p.carrier = sc.carrier
     and (sc.service is null or p.service = sc.service)
    group by sc.cycle_start, sc.carrier
),

reached as (   -- the highest tier the cycle's volume reaches
    select t.cycle_start, t.carrier, t.tier, t.tier_from, t.tier_rate
    from tiers as t
    join volume as v on v.cycle_start = t.cycle_start and v.carrier = t.carrier
    where t.tier_from is not null and t.tier_rate is not null
      and case t.basis when 'parcels' then v.parcels else v.freight end >= t.tier_from
    qualify row_number() over (partition by t.cycle_start, t.carrier
                               order by t.tier_from desc) = 1
),

due as (
    select
        sc.cycle_start, sc.credit_start, sc.lag, sc.carrier, sc.service, sc.basis, sc.tier1_from,
        sc.scheme_row,
        v.parcels, v.freight,
        r.tier, r.tier_from, r.tier_rate,
        cast(coalesce(round(v.freight * r.tier_rate, 2), 0) as decimal(18,2)) as due  -- yuan
    from schemes as sc
    join volume as v on v.cycle_start = sc.cycle_start and v.carrier = sc.carrier
    left join reached as r on r.cycle_start = sc.cycle_start and r.carrier = sc.carrier
),

on_bill as (   -- the cycles whose credit each bill carries, oldest first
    select
        *,
        count(*) over (partition by carrier, credit_start) as cycles_on_bill,
        coalesce(sum(due) over (partition by carrier, credit_start order by cycle_start
                                rows between unbounded preceding and 1 preceding), 0)
            as due_before,                                                  -- yuan
        cycle_start = max(cycle_start) over (partition by carrier, credit_start) as newest
    from due
),

credits as (   -- rebate lines on the judged bills, negative payables
    select
        c.credit_start, b.carrier,
        cast(-sum(b.payable) as decimal(18,2)) as bill_credited,             -- yuan
        string_agg(b.source_file || ' row ' || b.source_row, ', '
                   order by b.source_file, b.source_row) as credit_lines
    from credit_months as c
    join courier_bill_lines as b
      on b.bill_date >= c.credit_start and b.bill_date < c.credit_end
    where b.fee_type = 'rebate'
    group by c.credit_start, b.carrier
),

judged as (
    select
        coalesce(d.cycle_start, cr.credit_start) as cycle_start,
        coalesce(d.credit_start, cr.credit_start) as credit_start,
        coalesce(d.carrier, cr.carrier) as carrier,
        d.lag, d.service, d.basis, d.parcels, d.freight, d.tier, d.tier_from, d.tier_rate,
        d.tier1_from, d.scheme_row,
        coalesce(d.due, 0) as due,
        cast(case when cr.carrier is null then 0
                  when d.carrier is null then cr.bill_credited
                  when d.newest
                      then cr.bill_credited - least(d.due_before, greatest(cr.bill_credited, 0))
                  else least(d.due, greatest(cr.bill_credited - d.due_before, 0))
             end as decimal(18,2)) as credited,                             -- yuan
        cr.bill_credited,
        cr.credit_lines,
        coalesce(d.cycles_on_bill, 1) as cycles_on_bill
    from on_bill as d
    full outer join credits as cr on cr.credit_start = d.credit_start and cr.carrier = d.carrier
),

worded as (
    select
        *,
        strftime(cycle_start, '%Y-%m') as cycle,
        strftime(credit_start, '%Y-%m') as credit_month,
        case basis when 'parcels' then ' parcels' else ' of freight' end as unit,
        rtrim(rtrim(cast(tier_rate * 100 as varchar), '0'), '.') || '%' as rate_text
    from judged
),

final as (
    select
        cycle_start,
        cast(cycle_start + interval 1 month - interval 1 day as date) as cycle_last_day,
        cycle, credit_month, lag as credit_lag_months, carrier, service, basis, parcels, freight,
        tier, tier_from, tier_rate as rate, due, credited, credited - due as difference,
        credit_lines, scheme_row,
        carrier || ' rebate for ' || cycle || ': '
            || case when basis is null then 'no rebate in the contract due on the '
                                            || credit_month || ' bill'
                    else parcels || ' parcels' || coalesce(' of ' || service, '') || ', freight '
                        || freight || case
                            when tier is null then ', below tier 1 (from '
                                || case basis when 'parcels' then cast(cast(tier1_from as bigint)
                                                                       as varchar)
                                              else cast(tier1_from as varchar) end
                                || unit || ')'
                            else ', tier ' || tier || ' (from '
                                || case basis when 'parcels' then cast(cast(tier_from as bigint)
                                                                       as varchar)
                                              else cast(tier_from as varchar) end
                                || unit || ') gives ' || rate_text end
               end
            || '; ' || due || ' due'
            || case when lag > 0 then ' on the ' || credit_month || ' bill (the contract pays it '
                        || case lag when 1 then 'on the next month''s bill'
                                else lag || ' months later' end || ')'
                    else '' end
            || ', '
            || case when credit_lines is null then 'nothing credited'
                    when cycles_on_bill > 1 then credited || ' credited (of ' || bill_credited
                        || ' on the ' || credit_month || ' bill, which pays the older month '
                        || 'first: ' || credit_lines || ')'
                    else credited || ' credited (' || credit_lines || ')' end as explanation
    from worded
)

select * from final
order by cycle_start, carrier

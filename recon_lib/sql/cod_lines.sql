-- The period's remittance lines (remit_date in the period), each with what we know of its
-- parcel: our COD amount, whether the buyer refused it (as of the period's end), and the fee the
-- contract allows on the amount collected (rate x collected, rounded half up to the cent, at
-- least the minimum; the terms in effect on the signing day, else the remittance day).
-- fee_deducted: the statement's fee, or collected minus remitted where it gives none.
create or replace temp table cod_lines as
with

lines as (
    select r.*, r.carrier || '|' || r.batch_no || '|' || r.tracking_no as line_id,
           coalesce(r.service_fee, r.collected_amount - r.remitted_amount) as fee_deducted
    from cod_remittances as r
    where r.remit_date >= cast($period_start as date)
      and r.remit_date < cast($period_end as date)
),

parcels as (
    select s.tracking_no, s.order_id, s.cod_amount
    from one_shipment_per_waybill() as s
    where s.tracking_no in (select tracking_no from lines)
),

refusals as (
    select t.tracking_no,
           max(case when t.event_type = 'refused' then t.event_time end) as refused_at,
           max(case when t.event_type = 'delivered' then t.event_time end) as delivered_at
    from tracking_events as t
    where t.event_type in ('delivered', 'refused')
      and t.event_time < cast($period_end as timestamp)
      and t.tracking_no in (select tracking_no from lines)
    group by t.tracking_no
),

termed as (
    select l.line_id, t.fee_rate, t.fee_min
    from lines as l
    join cod_terms as t
      on t.carrier = l.carrier
     and coalesce(cast(l.signed_at as date), l.remit_date) >= t.effective_from
     and (t.effective_to is null
          or coalesce(cast(l.signed_at as date), l.remit_date) <= t.effective_to)
    qualify row_number() over (partition by l.line_id order by t.effective_from desc) = 1
),

final as (
    select
        l.*,
        p.order_id,
        p.cod_amount,
        case when f.refused_at is not null
              and (f.delivered_at is null or f.delivered_at < f.refused_at)
             then f.refused_at end as refused_at,
        case when t.fee_rate is not null
             then greatest(round(l.collected_amount * t.fee_rate, 2), coalesce(t.fee_min, 0))
        end as contract_fee                                                    -- yuan
    from lines as l
    left join parcels as p on p.tracking_no = l.tracking_no
    left join refusals as f on f.tracking_no = l.tracking_no
    left join termed as t on t.line_id = l.line_id
)

select * from final

-- What the P&L's COD and parcel-claim lines need to tell "none" from "not known": COD parcels
-- shipped by the period's end (shipments.cod_amount) and lost or damaged parcels of ours before
-- it (tracking_events). With neither, a merchant's COD fees and parcel claims are 0; with them,
-- the remittance statements and the compensation rules must be there.
with

bounds as (
    select cast($period_end as timestamp) as p_end
),

cod as (
    select count(*) as cod_parcels
    from one_shipment_per_waybill() as s, bounds as b
    where s.cod_amount is not null and s.ship_time < b.p_end
),

incidents as (
    select count(distinct e.tracking_no) as incidents
    from tracking_events as e, bounds as b
    where e.event_type in ('lost', 'damaged') and e.event_time < b.p_end
      and e.tracking_no in (select tracking_no from one_shipment_per_waybill())
),

final as (
    select c.cod_parcels, i.incidents from cod as c, incidents as i
)

select * from final

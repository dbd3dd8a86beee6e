-- The findings keyed by the id itself (the key, or its first part before a '|': an order's
-- 'O1|SKU', a waybill's 'SF1|运费'; a COD batch's 'SF|B1', by its second part), in every
-- period, with their register status; and the
-- register items keyed by it that no stored finding repeats (an earlier run's).
with

found as (
    select d.period, d.recon, d.reason_code, d.key, d.amount, d.explanation,
           d.recon || '|' || d.reason_code || '|' || d.key as item_id
    from discrepancies as d
    where d.key = $id or starts_with(d.key, $id || '|')
       or (d.recon = 'cod' and split_part(d.key, '|', 2) = $id)
),

carried as (
    select r.last_seen as period, r.recon, r.reason_code, r.key, r.amount, r.explanation,
           r.item_id
    from register as r
    where (r.key = $id or starts_with(r.key, $id || '|')
           or (r.recon = 'cod' and split_part(r.key, '|', 2) = $id))
      and r.item_id not in (select item_id from found)
),

final as (
    select f.period, f.recon, f.reason_code, f.key, f.amount, f.explanation, r.status, r.owner
    from (select * from found union all select * from carried) as f
    left join register as r on r.item_id = f.item_id
)

select * from final order by period, recon, reason_code, key

-- The known ids most like an unknown one, for "did you mean".
with

ids as (
    select order_id as id, 'order' as kind from orders
    union all select tracking_no, 'tracking number' from shipments
    union all select return_id, 'return' from return_requests
    union all select payout_id, 'payout' from payouts
),

final as (
    select distinct id, kind, jaro_winkler_similarity(id, $id) as similarity
    from ids
    where id is not null
)

select * from final order by similarity desc, id limit 5

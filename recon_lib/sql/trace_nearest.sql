-- The known ids most like an unknown one, for "did you mean".
with

ids as (
    select order_id as id, 'order' as kind from orders
    union all select shipment_id, 'shipment' from shipments
    union all select tracking_no, 'tracking number' from shipments
    union all select waybill_no, 'waybill on a courier bill' from courier_bill_lines
    union all select return_id, 'return' from return_requests
    union all select refund_id, 'refund' from refunds
    union all select payout_id, 'payout' from payouts
    union all select txn_id, 'bank transaction' from bank_transactions
    union all select batch_no, 'COD remittance batch' from cod_remittances
),

known as (   -- one row per id, with every kind it is
    select id, string_agg(distinct kind, ', ' order by kind) as kind
    from ids
    where id is not null
    group by id
),

final as (select id, kind, jaro_winkler_similarity(id, $id) as similarity from known)

select * from final order by similarity desc, id limit 5

-- COD money per courier for the report: the COD parcels shipped in the period and what they
-- carry, the remittance lines of the period (collected, fees, remitted), and the COD deposits
-- the bank booked in the period (memo with $cod_memo or quoting a batch; the courier from the
-- batch quoted, else from its name on the statement, cod_terms.payer).
with

parcels as (
    select carrier, count(*) as parcels, sum(cod_amount) as cod_amount
    from one_shipment_per_waybill()
    where cod_amount is not null
      and ship_time >= cast($period_start as timestamp)
      and ship_time < cast($period_end as timestamp)
    group by carrier
),

remitted as (
    select carrier, count(*) as remittance_lines, sum(collected_amount) as collected,
           sum(coalesce(service_fee, collected_amount - remitted_amount)) as service_fees,
           sum(remitted_amount) as remitted
    from cod_remittances
    where remit_date >= cast($period_start as date) and remit_date < cast($period_end as date)
    group by carrier
),

batches as (
    select distinct carrier, batch_no from cod_remittances
),

credits as (
    select t.account, t.txn_id, t.amount, t.counterparty, t.reference
    from bank_transactions as t
    where t.amount > 0
      and t.booked_at >= cast($period_start as timestamp)
      and t.booked_at < cast($period_end as timestamp)
),

quoted as (   -- a batch number the memo quotes, whole (macro reference_numbers)
    select n.account, n.txn_id, min(b.carrier) as carrier
    from (select account, txn_id, unnest(reference_numbers(reference)) as number
          from credits) as n
    join batches as b on b.batch_no = n.number
    group by n.account, n.txn_id
),

deposits as (
    select coalesce(q.carrier, p.carrier) as carrier, t.amount
    from credits as t
    left join quoted as q on q.account = t.account and q.txn_id = t.txn_id
    left join cod_payer_carriers() as p on p.payer = t.counterparty
    where q.carrier is not null or coalesce(t.reference, '') like '%' || $cod_memo || '%'
),

deposited as (
    select carrier, sum(amount) as deposited from deposits group by carrier
),

carriers as (
    select carrier from parcels
    union select carrier from remitted
    union select carrier from deposited where carrier is not null
),

final as (
    select
        c.carrier,
        coalesce(p.parcels, 0) as parcels,
        coalesce(p.cod_amount, 0) as cod_amount,                                -- yuan
        coalesce(r.remittance_lines, 0) as remittance_lines,
        coalesce(r.collected, 0) as collected,                                  -- yuan
        coalesce(r.service_fees, 0) as service_fees,                            -- yuan
        coalesce(r.remitted, 0) as remitted,                                    -- yuan
        coalesce(d.deposited, 0) as deposited                                   -- yuan
    from carriers as c
    left join parcels as p on p.carrier = c.carrier
    left join remitted as r on r.carrier = c.carrier
    left join deposited as d on d.carrier = c.carrier
)

select * from final
order by cod_amount desc, carrier

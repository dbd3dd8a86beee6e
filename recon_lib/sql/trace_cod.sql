-- COD remittance lines (代收货款回款) of an order's waybills ($order_id), or of a waybill or a
-- remittance batch number ($id), each with its batch's total and the bank deposits that are the
-- batch's: those whose reference quotes the batch number, else (none quotes it) the positive
-- bank lines from the courier's name on our statement (cod_terms.payer) of the batch's amount
-- to the cent, booked from its remittance day to $window_days days after (as spec cod_bank
-- pairs them; several such candidates are all shown, the reconciliation calls it not
-- comparable). Only the batches asked about are read.
with

asked as (
    select distinct r.carrier, r.batch_no
    from cod_remittances as r
    where r.tracking_no in (select tracking_no from shipments where order_id = $order_id)
       or r.batch_no = $id or r.tracking_no = $id
),

batch_lines as (
    select r.*
    from cod_remittances as r
    join asked as a on a.carrier = r.carrier and a.batch_no = r.batch_no
),

batches as (
    select carrier, batch_no, max(remit_date) as remit_date,
           sum(remitted_amount) as batch_total,                                    -- yuan
           count(*) as batch_lines
    from batch_lines
    group by carrier, batch_no
),

quoting as (
    select b.carrier, b.batch_no, t.txn_id, t.booked_at, t.amount, 'quotes the batch' as how
    from batches as b
    join bank_transactions as t on t.amount > 0 and contains(t.reference, b.batch_no)
),

paired as (   -- batches no deposit quotes: the courier's deposits of the same amount in reach
    select b.carrier, b.batch_no, t.txn_id, t.booked_at, t.amount,
           'same courier and amount' as how
    from batches as b
    join (select carrier, payer from cod_terms where payer is not null
          group by carrier, payer) as p on p.carrier = b.carrier
    join bank_transactions as t
      on t.counterparty = p.payer and t.amount = b.batch_total
     and t.booked_at >= cast(b.remit_date as timestamp)
     and t.booked_at < cast(b.remit_date as timestamp) + ($window_days + 1) * interval '1' day
    where not exists (select 1 from quoting as q
                      where q.carrier = b.carrier and q.batch_no = b.batch_no)
),

deposits as (
    select carrier, batch_no,
           string_agg(txn_id || ' ' || strftime(booked_at, '%Y-%m-%d') || ' ' || amount, '; '
                      order by booked_at, txn_id) as deposits,
           sum(amount) as deposited,                                               -- yuan
           min(how) as deposit_found_by
    from (select * from quoting union all select * from paired)
    group by carrier, batch_no
),

final as (
    select l.carrier, l.batch_no, l.remit_date, l.tracking_no, l.signed_at,
           l.collected_amount, l.service_fee, l.remitted_amount,
           b.batch_lines, b.batch_total, d.deposits, d.deposited, d.deposit_found_by
    from batch_lines as l
    join batches as b on b.carrier = l.carrier and b.batch_no = l.batch_no
    left join deposits as d on d.carrier = l.carrier and d.batch_no = l.batch_no
    where l.tracking_no in (select tracking_no from shipments where order_id = $order_id)
       or l.batch_no = $id or l.tracking_no = $id
)

select * from final order by remit_date, carrier, batch_no, tracking_no

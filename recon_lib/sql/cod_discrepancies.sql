-- Cash-on-delivery findings. Parcel-side: a delivered COD parcel whose remittance fell due in
-- the period (delivery day + the contract's remit_days) and had none by its end (cod_parcels).
-- Line-side, judged in the period of the remittance line (cod_lines): a line for a parcel the
-- buyer refused; a line paying less than our COD amount minus the fee deducted; a fee above the
-- contract's. Batch-side, judged in the period holding the batch's deposit due day (remit_date +
-- the deposit window): the deposits quoting a batch short of its total; a batch no deposit
-- quotes and the engine (spec 'cod_bank': unquoted batches vs the courier's unquoted COD
-- deposits, one to one by amount within the window) paired with none.
with

not_remitted as (
    select
        'COD_NOT_REMITTED' as reason_code, p.tracking_no as key, p.order_id,
        p.cod_amount as amount,
        p.carrier || ' delivered COD parcel ' || p.tracking_no || ' on '
            || strftime(p.delivered_at, '%Y-%m-%d') || ' (' || p.cod_amount
            || ' to collect); remittance due by ' || strftime(p.due_date, '%Y-%m-%d') || ' ('
            || p.remit_days || ' days), none by the period end' as explanation,
        to_json({'carrier': p.carrier, 'delivered_at': p.delivered_at, 'due_date': p.due_date,
                 'remit_days': p.remit_days, 'cod_amount': p.cod_amount}) as details
    from cod_parcels as p
    where p.state = 'delivered' and p.remittance_lines = 0
      and p.due_date >= cast($period_start as date) and p.due_date < cast($period_end as date)
),

returned as (
    select
        'COD_RETURNED_REMITTED' as reason_code, l.tracking_no as key, l.order_id,
        l.remitted_amount as amount,
        l.carrier || ' remitted ' || l.remitted_amount || ' for ' || l.tracking_no || ' (batch '
            || l.batch_no || ', ' || strftime(l.remit_date, '%Y-%m-%d')
            || '), which the buyer refused on ' || strftime(l.refused_at, '%Y-%m-%d')
            as explanation,
        to_json({'carrier': l.carrier, 'batch_no': l.batch_no, 'remit_date': l.remit_date,
                 'refused_at': l.refused_at, 'remitted': l.remitted_amount}) as details
    from cod_lines as l
    where l.refused_at is not null
),

short as (
    select
        'COD_REMITTED_SHORT' as reason_code, l.tracking_no as key, l.order_id,
        l.cod_amount - l.fee_deducted - l.remitted_amount as amount,
        l.carrier || ' remitted ' || l.remitted_amount || ' for ' || l.tracking_no || ' (batch '
            || l.batch_no || '): COD amount ' || l.cod_amount || ', collected '
            || l.collected_amount || ', fee ' || l.fee_deducted as explanation,
        to_json({'carrier': l.carrier, 'batch_no': l.batch_no, 'cod_amount': l.cod_amount,
                 'collected': l.collected_amount, 'fee': l.fee_deducted,
                 'remitted': l.remitted_amount}) as details
    from cod_lines as l
    where l.refused_at is null and l.cod_amount is not null
      and l.cod_amount - l.fee_deducted - l.remitted_amount
          > cast($amount_tolerance as decimal(18,2))
),

fee_over as (
    select
        'COD_FEE_OVER' as reason_code, l.tracking_no as key, l.order_id,
        l.fee_deducted - l.contract_fee as amount,
        l.carrier || ' deducted a COD fee of ' || l.fee_deducted || ' on ' || l.collected_amount
            || ' collected for ' || l.tracking_no || ' (batch ' || l.batch_no
            || '); the contract allows ' || l.contract_fee as explanation,
        to_json({'carrier': l.carrier, 'batch_no': l.batch_no, 'collected': l.collected_amount,
                 'fee': l.fee_deducted, 'contract_fee': l.contract_fee}) as details
    from cod_lines as l
    where l.refused_at is null and l.contract_fee is not null
      and l.fee_deducted - l.contract_fee > cast($amount_tolerance as decimal(18,2))
),

due as (   -- batches whose deposit falls due in the period
    select * from cod_batches
    where due_date >= cast($period_start as date) and due_date < cast($period_end as date)
),

quoted as (
    select d.batch_id, sum(d.amount) as deposited, string_agg(d.txn_id, ', ') as txn_ids
    from cod_deposits as d
    where d.batch_id is not null
    group by d.batch_id
),

batch_short as (
    select
        'COD_BATCH_SHORT' as reason_code, b.batch_id as key, cast(null as varchar) as order_id,
        b.amount - q.deposited as amount,
        b.carrier || ' batch ' || b.batch_no || ' of ' || b.remit_date || ' remits ' || b.amount
            || ' for ' || b.lines || ' parcel(s); the bank received ' || q.deposited || ' ('
            || q.txn_ids || ')' as explanation,
        to_json({'carrier': b.carrier, 'batch_no': b.batch_no, 'remit_date': b.remit_date,
                 'batch_total': b.amount, 'deposited': q.deposited, 'txn_ids': q.txn_ids})
            as details
    from due as b
    join quoted as q on q.batch_id = b.batch_id
    where b.amount - q.deposited > cast($amount_tolerance as decimal(18,2))
),

not_deposited as (
    select
        'COD_BATCH_NOT_DEPOSITED' as reason_code, b.batch_id as key,
        cast(null as varchar) as order_id, b.amount,
        b.carrier || ' batch ' || b.batch_no || ' of ' || b.remit_date || ' remits ' || b.amount
            || ' for ' || b.lines || ' parcel(s); no bank deposit quotes it or matches it by '
            || strftime(b.due_date, '%Y-%m-%d') as explanation,
        to_json({'carrier': b.carrier, 'batch_no': b.batch_no, 'remit_date': b.remit_date,
                 'batch_total': b.amount, 'due_date': b.due_date}) as details
    from match_results as r
    join due as b on b.batch_id = r.left_ids[1]
    where r.run_id = $run_id and r.spec = 'cod_bank' and r.state = 'missing_right'
),

final as (
    select * from not_remitted
    union all select * from returned
    union all select * from short
    union all select * from fee_over
    union all select * from batch_short
    union all select * from not_deposited
)

select * from final
order by reason_code, key

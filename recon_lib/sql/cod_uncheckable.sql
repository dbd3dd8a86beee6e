-- Rows the COD checks could not judge: a remittance line for a waybill without a COD amount in
-- our shipments (nothing to compare it with), a line no contract terms cover (no fee to
-- compare), a delivered COD parcel no terms cover (no due day), and a batch whose deposit the
-- engine could not tell apart from others of the same amount (unresolved).
with

lines as (
    select
        count(*) filter (where refused_at is null and cod_amount is null) as no_cod_amount,
        count(*) filter (where refused_at is null and contract_fee is null) as no_terms
    from cod_lines
),

parcels as (
    select count(*) filter (where state = 'delivered' and remit_days is null) as no_terms
    from cod_parcels
),

batches as (
    select count(*) as unresolved
    from match_results
    where run_id = $run_id and spec = 'cod_bank' and state = 'unresolved'
      and cardinality(left_ids) > 0
),

final as (
    select 'COD_REMITTED_SHORT' as reason_code, 'cod_amount' as field,
           no_cod_amount as rows,
           'remittance lines for a waybill with no COD amount in our shipments' as reason
    from lines
    union all
    select 'COD_FEE_OVER', 'cod_terms', no_terms,
           'remittance lines no COD contract terms cover (carrier and day)'
    from lines
    union all
    select 'COD_NOT_REMITTED', 'cod_terms', no_terms,
           'delivered COD parcels no COD contract terms cover: no due day'
    from parcels
    union all
    select 'COD_BATCH_NOT_DEPOSITED', 'deposit', unresolved,
           'remittance batches the bank match could not resolve (deposits of the same amount)'
    from batches
)

select * from final

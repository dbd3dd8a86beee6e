-- Evidence for the freight findings of a period, one row per finding: what the courier billed
-- next to what we shipped. Claims are grouped by carrier for the claims workbooks.
with

found as (
    select reason_code, key, amount, explanation,
           split_part(key, '|', 1) as waybill_no
    from discrepancies
    where period = $period and recon = 'freight'
),

billed as (   -- the freight line of each waybill on the period's bills
    select b.*,
           row_number() over (partition by b.waybill_no order by b.source_file, b.source_row) as n
    from courier_bill_lines as b
    where b.bill_date >= cast($period_start as date) and b.bill_date < cast($period_end as date)
      and b.waybill_no in (select waybill_no from found)
),

final as (
    select
        coalesce(b.carrier, s.carrier) as carrier,
        f.reason_code,
        f.waybill_no,
        b.bill_date,
        b.billed_weight_kg,
        s.weight_kg,
        s.length_cm || ' x ' || s.width_cm || ' x ' || s.height_cm as dimensions_cm,
        b.dest_province as billed_province,
        s.dest_province,
        b.payable,
        f.amount,
        f.explanation,
        b.source_file,
        b.source_row
    from found as f
    left join billed as b on b.waybill_no = f.waybill_no and b.n = 1
    left join shipments as s on s.tracking_no = f.waybill_no
)

select * from final
order by carrier, reason_code, waybill_no

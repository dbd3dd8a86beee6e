-- Settlement lines with this id, or carried by the payout with this id; the lines of orders with
-- a finding (or that are one) first, so that a cut list keeps them.
with

lines as (
    select s.* from settlement_lines as s
    where s.settlement_id = $id or s.payout_id = $id
),

flagged as (
    select l.settlement_id, l.channel,
           exists (select 1 from discrepancies as d
                   where d.key = l.settlement_id or d.order_id = l.order_id) as has_finding
    from lines as l
),

final as (
    select l.channel, l.settlement_id, l.order_id, l.line_type, l.amount, l.currency,
           l.settled_at, l.payout_id, f.has_finding
    from lines as l
    join flagged as f on f.channel = l.channel and f.settlement_id = l.settlement_id
)

select * exclude (has_finding) from final
order by has_finding desc, settled_at, settlement_id

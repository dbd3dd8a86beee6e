-- The findings keyed by any of a list of record ids (the key, or its first part before a '|'):
-- those on the records an id leads to without an order (a payout's lines, a return parcel's
-- receipt), with their register status.
select d.period, d.recon, d.reason_code, d.key, d.amount, d.explanation, r.status, r.owner
from discrepancies as d
left join register as r on r.item_id = d.recon || '|' || d.reason_code || '|' || d.key
where split_part(d.key, '|', 1) in (select unnest(cast($ids as varchar[])))
order by d.period, d.recon, d.reason_code, d.key

-- Close what later data reconciled, with the reason and the period it happened in.
update register set
    status = 'resolved',
    closed_period = $period,
    closed_on = cast($period_end as date),
    closed_reason = c.reason,
    updated_at = cast($now as timestamp)
from register_to_close as c
where register.item_id = c.item_id

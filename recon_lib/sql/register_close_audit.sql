-- Audit the automatic closes before they are applied.
insert into register_audit
select cast($now as timestamp), c.item_id, 'status', r.status, 'resolved', 'run ' || $period
from register_to_close as c
join register as r on r.item_id = c.item_id

select settlement_id, line_type, amount, currency, settled_at, payout_id
from settlement_lines where order_id = $order_id order by settled_at, line_type

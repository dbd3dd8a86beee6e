select line_no, sku, qty, unit_price, line_amount from order_lines
where order_id = $order_id order by line_no

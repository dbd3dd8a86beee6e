-- An analyst's owner change.
update register set owner = $value, updated_at = cast($now as timestamp)
where item_id = $item_id

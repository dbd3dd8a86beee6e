-- An analyst's note.
update register set note = $value, updated_at = cast($now as timestamp)
where item_id = $item_id

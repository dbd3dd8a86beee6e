-- One audited change to a register item.
insert into register_audit values
    (cast($now as timestamp), $item_id, $field, $old_value, $new_value, $source)

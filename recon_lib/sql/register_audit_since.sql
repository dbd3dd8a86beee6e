-- What was changed on one register item after a moment (when a workbook was written), oldest
-- first: analysts' edits and the runs' automatic closes.
with

changes as (
    select changed_at, item_id, field, old_value, new_value, source
    from register_audit
    where item_id = $item_id
      and changed_at > cast($since as timestamp)
),

final as (
    select * from changes
)

select * from final
order by changed_at, field

-- An analyst's status change. Closing records the latest run's period; reopening clears it.
update register set
    status = $value,
    closed_period = case when $value in ('resolved', 'written_off')
                         then coalesce(closed_period, $period) end,
    closed_on = case when $value in ('resolved', 'written_off')
                     then coalesce(closed_on, cast($period_end as date)) end,
    closed_reason = case when $value in ('resolved', 'written_off')
                         then 'manual: ' || $value end,
    updated_at = cast($now as timestamp)
where item_id = $item_id

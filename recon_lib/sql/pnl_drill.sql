-- The lines behind one figure of the channel P&L (pnl_stage.sql), of one channel or all
-- ($channel NULL), the largest first.
with

final as (
    select figure, channel, source, record, order_id, amount
    from pnl_line
    where figure = $figure and ($channel is null or channel = $channel)
)

select * from final order by amount desc nulls first, record

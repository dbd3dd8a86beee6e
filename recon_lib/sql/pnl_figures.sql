-- The channel P&L's figures: each the sum of its lines in pnl_line (pnl_stage.sql), per
-- channel; lines without an amount counted apart (the figure is then not known).
with

final as (
    select figure, channel,
           sum(amount) as amount,                                              -- yuan
           count(*) as lines,
           count(*) - count(amount) as lines_without_amount
    from pnl_line
    group by figure, channel
)

select * from final order by figure, channel

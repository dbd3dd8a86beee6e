-- Carrier choice: every parcel of carrier_choice (analytics_carrier_choice.sql), one row each.
with

final as (
    select * from carrier_choice
)

select * from final
order by tracking_no

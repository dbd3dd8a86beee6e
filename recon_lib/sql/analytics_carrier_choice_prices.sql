-- Carrier choice: every parcel's price under every courier card that covers it
-- (carrier_choice_options, analytics_carrier_choice_options.sql), one row per parcel and card.
with

final as (
    select * from carrier_choice_options
)

select * from final
order by tracking_no, carrier, service

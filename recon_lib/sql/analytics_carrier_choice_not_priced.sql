-- Carrier choice: the parcels of the period not priced (carrier_choice, status other than
-- 'priced'), per reason, with what they cost where known. They are in no total: not as a cost,
-- not as a saving. Reasons, in the order they are tested:
--   no_weight    no weighed weight: no card can give a chargeable weight
--   no_province  no destination province: no card can be chosen
--   no_card      no courier's card covers the province on the ship date
--   no_cost      not billed, and its own courier's card does not price it
--   no_eligible  priced, but no courier that prices it meets the constraints
with

final as (
    select
        status,
        count(*) as parcels,
        count(carried) as with_cost,
        cast(sum(carried) as double) as carried                                  -- yuan
    from carrier_choice
    where status <> 'priced'
    group by status
)

select * from final
order by case status when 'no_weight' then 1 when 'no_province' then 2 when 'no_card' then 3
                     when 'no_cost' then 4 else 5 end

-- Lost and damaged parcel claims (docs/claims.md), from claims_incidents (run first in the same
-- run). Each incident is judged once, in the period holding its claim deadline's end (judged),
-- on what the courier had paid by the period's end:
--   CLM_NOT_COMPENSATED  nothing received: amount = owed (NULL when the rule's basis is not
--                        known: the explanation says which value is missing)
--   CLM_SHORT            an uninsured parcel paid below owed by more than $amount_tolerance:
--                        amount = owed - received
--   CLM_INSURED_SHORT    the same for an insured parcel (保价)
-- An incident no rule covers, or whose owed is unknown once something was paid, is not judged:
-- claims_uncheckable.sql counts it. Paying more than owed is no finding.
with

judged as (
    select
        *,
        case when paid_any then coalesce(credit_lines, '')
                                || case when credit_lines is not null and bank_txns is not null
                                        then '; ' else '' end
                                || coalesce('bank ' || bank_txns, '') end as paid_by,
        rtrim(rtrim(cast(multiple as varchar), '0'), '.') as times
    from claims_incidents
    where judged and has_rule
),

worded as (
    select
        *,
        carrier || ' ' || tracking_no || ' ' || incident || ' on '
            || strftime(incident_time, '%Y-%m-%d')
            || case when insured then ' (insured, declared ' || coalesce(cast(declared_value
                                                                              as varchar), '?')
                                      || ')' else '' end
            || '; the rule (' || rule_row || ') gives '
            || case basis when 'freight_multiple' then times || ' x freight '
                              || coalesce(cast(freight as varchar), '(no freight line)')
                          when 'goods_value' then times || ' x goods value '
                              || coalesce(cast(goods_value as varchar), '(unknown)')
                          else times || ' x declared value '
                              || coalesce(cast(declared_value as varchar), '(unknown)') end
            || coalesce(', capped at ' || cap, '')
            || ' = ' || coalesce(cast(owed as varchar), 'unknown')
            || ', due by ' || strftime(due - interval 1 day, '%Y-%m-%d') as rule_text
    from judged
),

found as (
    select
        'CLM_NOT_COMPENSATED' as reason_code,
        w.owed as amount,                                                           -- yuan
        w.rule_text || '; nothing received' as explanation,
        w.*
    from worded as w
    where coalesce(w.received, 0) <= 0
    union all
    select
        case when w.insured then 'CLM_INSURED_SHORT' else 'CLM_SHORT' end,
        w.owed - w.received,                                                        -- yuan
        w.rule_text || '; received ' || w.received || ' (' || w.paid_by || ')',
        w.*
    from worded as w
    where w.received > 0
      and w.owed - w.received > cast($amount_tolerance as decimal(18,2))
),

final as (
    select
        reason_code, tracking_no as key, order_id, amount, explanation,
        to_json({'carrier': carrier, 'incident': incident, 'incident_time': incident_time,
                 'insured': insured, 'declared_value': declared_value, 'basis': basis,
                 'multiple': multiple, 'freight': freight, 'goods_value': goods_value,
                 'cap': cap, 'by_rule': by_rule, 'owed': owed, 'received': received,
                 'due': due, 'rule': rule_row, 'credit_lines': credit_lines,
                 'bank_txns': bank_txns}) as details
    from found
)

select * from final
order by reason_code, key

-- The province each place text of the period's orders names (kind province, city or postcode),
-- as recon_lib/geo.py reads it: registered by recons/intake.py as _intake_places. province is
-- null where the text names no known place (not comparable, never a finding by itself).
create or replace temp table intake_places as
select cast(kind as varchar) as kind, cast(text as varchar) as text,
       cast(province as varchar) as province
from _intake_places

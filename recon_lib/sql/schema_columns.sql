-- The columns the database's tables have, so that opening a database made by an earlier version
-- adds the columns the schema has gained since (CREATE TABLE IF NOT EXISTS leaves a table as is).
with

final as (
    select table_name, column_name
    from information_schema.columns
    where table_catalog = current_database() and table_schema = current_schema()
)

select * from final

-- How many register items later data is about to close.
select count(*) as items from register_to_close

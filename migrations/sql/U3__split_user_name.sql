alter table users add column name varchar(200);

update users
set name = case when last_name = '' then first_name else first_name || ' ' || last_name end;

alter table users alter column name set not null;
alter table users drop column first_name;
alter table users drop column last_name;

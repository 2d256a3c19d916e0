-- The textbook data migration: a new table, one row per existing user, in one transaction.
-- The validations beside this file (V2__create_user_preferences.validations.yaml) run before
-- it commits: if the counts do not match, nothing of it stays.
create table user_preferences (
  user_id integer primary key references users (id),
  theme varchar(20) not null default 'light',
  newsletter boolean not null default false
);

insert into user_preferences (user_id)
select id from users;

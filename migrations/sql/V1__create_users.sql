-- The application's users, as they were before the two migrations below.
create table users (
  id integer primary key,
  email varchar(200) not null unique,
  name varchar(200) not null
);

insert into users (id, email, name) values
  (1, 'ada@example.com', 'Ada Lovelace'),
  (2, 'alan@example.com', 'Alan Turing'),
  (3, 'grace@example.com', 'Grace Brewster Hopper');

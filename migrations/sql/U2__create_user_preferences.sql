drop table user_preferences;

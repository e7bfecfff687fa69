-- Issue 14: the language the user reads carekey in, a BCP 47 tag ("en" or
-- "cy"), so that their emails, texts and calls are worded in it. '' when
-- not chosen: English.
ALTER TABLE users
    ADD COLUMN language text NOT NULL DEFAULT '';

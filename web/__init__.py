"""The web app's shared pieces: the shell and components (`ui`), figures, share/embed links, the view builders
that pages call (`indicator_view`; `profile_view` for both territory profiles, from `territory_view`'s pieces;
`compare_view`; `alarm_centre_view`, and `alarm_view` for one alarm on any page), delivery of static files and the HTTP guard
around Dash. Pages (pages/) are thin and import from here; web/ reads through serving/ and never imports the
API, the pages, app.py or the ETL (README, "Layers")."""

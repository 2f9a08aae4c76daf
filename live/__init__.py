"""The live path (issue 13): what arrives while the app runs — NGSI-LD observations from the municipalities'
urban platforms, live alarm events, Atom feeds and signed webhooks — kept in an operational store
(SQLite by default, PostgreSQL when OBS_OPERATIONAL_URL is set), never in the analytic DuckDB.

Layers: live imports core, indicators and serving; app.py wires it with one call (`live.web.install`).
Nothing below imports it: the alarm lists of serving.data take live rows through a registered source.
"""

"""The core layer: what both the ETL and the app need — settings, the closed lists (vocabulary), the marts
schema, periods and number formatting. It imports nothing of etl/, obs/, pages/ or app.py (.importlinter)."""

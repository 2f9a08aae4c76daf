"""Observatório core: settings, data access, formatting and i18n shared by the ETL and the app."""

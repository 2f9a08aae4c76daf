"""The read-only API under /api/v1 (`routes`), its OpenAPI document (`openapi`) and people's page for it
(`apidocs`), the CSV/ZIP exports (`export`) and the per-build download files (`downloads`). It reads through
serving/, never through the web app or the ETL (README, "Layers")."""

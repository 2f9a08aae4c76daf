"""The read-only API under /api/v1 (`routes`), its parameters declared once (`params`: pydantic models and
the endpoint registry), its OpenAPI document generated from them (`openapi`) and people's page for it
(`apidocs`), the CSV/ZIP exports (`export`) and the per-build download files (`downloads`). It reads through
serving/, never through the web app or the ETL (README, "Layers")."""

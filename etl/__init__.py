"""The ETL: reads the data system, writes the one DuckDB database the app serves."""

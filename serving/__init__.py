"""Serving: the app's read side of the built database — queries through SQLAlchemy Core (`data`), the
version of the build, geometry files, and the caches bounded in bytes (`memcache`). It imports core/ and the
registry, never the ETL, the API or the web app (README, "Layers")."""

"""`python -m live …`: ingest keys, webhook subscriptions, pull mode and the replay (see live.cli)."""
from live.cli import main

raise SystemExit(main())

"""The live path's command line (`python -m live`):

    python -m live keys create "PGU Porto" --scope 1312      # a municipality (DICO) or a CIM/AM (EI11A)
    python -m live keys list
    python -m live keys revoke <key_id>
    python -m live webhooks add https://example.org/hook --territory 1312 --area ambiente --level atencao
    python -m live webhooks list
    python -m live pull --type AirQualityObserved --key obs_… --since 2026-01-01T00:00:00Z
    python -m live replay --help                              # a synthetic stream (live.replay)
    python -m live init                                       # create/migrate the operational store

The key and the webhook secret are printed once; only the key's hash is kept.
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["replay"]:          # the replay has its own options (live.replay)
        from live import replay
        return replay.main(argv[1:])
    p = argparse.ArgumentParser(prog="python -m live", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("init", help="create or migrate the operational store")
    keys = sub.add_parser("keys", help="ingest keys").add_subparsers(dest="action", required=True)
    c = keys.add_parser("create")
    c.add_argument("name")
    c.add_argument("--scope", required=True, help="a municipality's DICO (1312) or a CIM/AM id (EI11A)")
    c.add_argument("--synthetic", action="store_true", help="everything sent with this key is labelled synthetic")
    keys.add_parser("list")
    r = keys.add_parser("revoke")
    r.add_argument("key_id")
    wh = sub.add_parser("webhooks", help="webhook subscriptions").add_subparsers(dest="action", required=True)
    a = wh.add_parser("add")
    a.add_argument("url")
    a.add_argument("--territory")
    a.add_argument("--area")
    a.add_argument("--level")
    wh.add_parser("list")
    pl = sub.add_parser("pull", help="read a broker's temporal API (OBS_NGSI_BROKER_URL)")
    pl.add_argument("--type", required=True)
    pl.add_argument("--key", required=True)
    pl.add_argument("--since", required=True)
    pl.add_argument("--broker")
    sub.add_parser("replay", help="a synthetic stream at the real air-quality stations (python -m live replay -h)")
    args = p.parse_args(argv)

    from live import store
    if args.cmd == "init":
        store.engine()
        print(f"operational store ready: {store.url().split('@')[-1]} (schema {store.SCHEMA_VERSION})")
        return 0
    if args.cmd == "keys":
        from live import credentials
        if args.action == "create":
            try:
                key, row = credentials.create(args.name, args.scope, synthetic=args.synthetic)
            except ValueError as e:
                print(f"error: {e}", file=sys.stderr)
                return 2
            print(f"key for {row['name']} — scope {row['scope_id']} ({row['scope_name']}, "
                  f"{len(row['municipalities'].split(','))} municipalities){' — synthetic' if args.synthetic else ''}")
            print(f"key_id: {row['key_id']}")
            print(f"key (shown once, keep it safe): {key}")
            return 0
        if args.action == "list":
            for r in credentials.listing():
                state = f"revoked {r['revoked_at']:%Y-%m-%d}" if r["revoked_at"] else "active"
                print(f"{r['key_id']}  {state:18}  {r['scope_id']:6} {len(r['municipalities'].split(',')):3} mun.  "
                      f"{'synthetic ' if r['synthetic'] else ''}{r['name']}")
            return 0
        if credentials.revoke(args.key_id):
            print(f"revoked {args.key_id}")
            return 0
        print(f"error: no active key {args.key_id!r}", file=sys.stderr)
        return 2
    if args.cmd == "webhooks":
        from live import webhooks
        if args.action == "add":
            try:
                sid, secret = webhooks.subscribe(args.url, territory=args.territory, area=args.area, level=args.level)
            except ValueError as e:
                print(f"error: {e}", file=sys.stderr)
                return 2
            print(f"subscription {sid}; signing secret (shown once): {secret}")
            return 0
        from sqlalchemy import select
        with store.engine().connect() as c:
            for s in c.execute(select(store.subscription)).mappings():
                print(f"{s['id']:4} {'active' if s['active'] else 'disabled':8} failures={s['failures']} "
                      f"{s['territory_id'] or '*'} {s['area'] or '*'} {s['level'] or '*'} {s['url']}")
        return 0
    if args.cmd == "pull":
        from core import settings
        from live import credentials, ngsi, pull
        sender = credentials.authenticate(args.key)
        if sender is None:
            print("error: unknown or revoked key", file=sys.stderr)
            return 2
        broker = args.broker or settings.env("OBS_NGSI_BROKER_URL")
        if not broker:
            print("error: set OBS_NGSI_BROKER_URL or --broker", file=sys.stderr)
            return 2
        since = ngsi.parse_time(args.since, "--since")
        out = pull.pull(broker, args.type, sender, since=since)
        print(out.status, out.body)
        return 0 if out.status < 400 else 1
    return 2

"""Ingest credentials: one key per sending platform (a municipality, a CIM or an AM), scoped to its
municipalities, stored hashed.

A key reads `obs_<key_id>_<secret>`: `key_id` (public, 12 hex) finds the row, the whole key's SHA-256 is
compared in constant time. A fast hash is enough here because the secret is 32 random bytes (256 bits),
not a password a person chose: there is nothing to guess (the same reasoning as GitHub's or Stripe's API
tokens). The key is shown once, at creation; only its hash is kept.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from live import geo, store
from live.store import credential


@dataclass(frozen=True)
class Sender:
    key_id: str
    name: str
    scope_id: str
    municipalities: frozenset[str]
    synthetic: bool


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create(name: str, scope_id: str, *, synthetic: bool = False, eng=None) -> tuple[str, dict]:
    """A new key for `name`, scoped to a municipality (DICO) or a CIM/AM (EI…): (the key, shown once; its row)."""
    scope_name, dicos = geo.scope_municipalities(scope_id)
    key_id = secrets.token_hex(6)
    key = f"obs_{key_id}_{secrets.token_urlsafe(32)}"
    row = {"key_id": key_id, "key_hash": _hash(key), "name": name, "scope_id": scope_id,
           "municipalities": ",".join(dicos), "synthetic": synthetic, "created_at": store.now()}
    with (eng or store.engine()).begin() as c:
        c.execute(insert(credential).values(**row))
    return key, {**row, "scope_name": scope_name}


def listing(eng=None) -> list[dict]:
    """Every key (never the secret nor its hash), newest first."""
    cols = [credential.c[k] for k in ("key_id", "name", "scope_id", "municipalities", "synthetic",
                                       "created_at", "revoked_at")]
    with (eng or store.engine()).connect() as c:
        return [dict(r) for r in c.execute(select(*cols).order_by(credential.c.created_at.desc())).mappings()]


def revoke(key_id: str, eng=None) -> bool:
    """Revoke a key (kept for the ingest log); False when no active key has that id."""
    with (eng or store.engine()).begin() as c:
        n = c.execute(update(credential).where(credential.c.key_id == key_id, credential.c.revoked_at.is_(None))
                      .values(revoked_at=store.now())).rowcount
    return bool(n)




def authenticate(key: str | None, eng=None) -> Sender | None:
    """The sender of a key, or None (unknown, malformed or revoked). Revocation is read from the store on
    every call, so it takes effect at once in every worker."""
    if not key or not key.startswith("obs_") or key.count("_") < 2:
        return None
    key_id = key.split("_", 2)[1]
    with (eng or store.engine()).connect() as c:
        row = c.execute(select(credential).where(credential.c.key_id == key_id)).mappings().first()
    if row is None or row["revoked_at"] is not None or not hmac.compare_digest(row["key_hash"], _hash(key)):
        return None
    return Sender(row["key_id"], row["name"], row["scope_id"],
                  frozenset(x for x in row["municipalities"].split(",") if x), bool(row["synthetic"]))

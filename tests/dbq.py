"""Small queries on the built database that correctness tests share."""


def one(db, sql, params=()):
    return db.execute(sql, list(params)).fetchone()


def fact(db, ind, terr, period):
    """The stored value of one indicator, territory and period (None if absent)."""
    r = one(db, "SELECT value FROM fact_indicator_value WHERE indicator_id=? AND territory_id=? AND period_id=?",
            (ind, terr, period))
    return None if r is None else r[0]

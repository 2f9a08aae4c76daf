"""Progress towards a target, measured the way statistical offices do it (pure functions, no I/O).

The method is Statistics Canada's, as implemented by Open SDG and inspired by Eurostat's SDG monitoring:
open-sdg `docs/progress-methodology.md` (commit 26d2e38) and sdg-build `sdg/ProgressMeasure.py`
(commit 139fede). Growth is the compound annual growth rate between a base and the latest period,

    CAGR = (y_t / y_0) ** (1 / (t - t_0)) - 1

- with a target y_T at T: achieved when the latest value has passed it; otherwise
  R = s·d·CAGR_observed / |CAGR_required|, CAGR_required = (y_T / y_0) ** (1 / (T - t_0)) - 1,
  d = +1 when higher is better, -1 when lower is better, s = -1 when every value is negative
  (the method flips the direction then); R >= 0.95 substantial progress, 0.60 <= R < 0.95 moderate,
  0 <= R < 0.60 limited, R < 0 deterioration;
- without a target: s·d·CAGR >= 1.5 % substantial, >= 0.5 % moderate, >= 0 limited, < 0 deterioration;
- a zero base value or target is replaced by 0.001, as the method does;
- not assessable (with the reason) with fewer than two periods or values of different signs.

Two additions, said where they are used:
- a deadline already passed: the target is then binary (Open SDG's "binary indicators": achieved or not
  achieved), which is also how a limit already in force reads (the 60-day payment rule);
- the legal duty to cut an excess by a share each year (Lei n.º 73/2013, art. 52.º, n.º 3, a)): R is the
  cut observed in the last year over the cut required, classed with the same thresholds as above.

Projections to the deadline use the same base and latest period (compound and linear), and the value
needed per year from the latest period on. The closed list of statuses (label keys, colours, icons,
symbols) lives here until the vocabulary module absorbs it.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class ProgressStatus:
    id: str
    label_key: str        # core.i18n key of the label ("progress.status.<id>")
    colour: str           # text/icon colour, contrast >= 4.5:1 on white
    background: str       # light tint for badges (text in `colour` stays >= 4.5:1 on it)
    icon: str             # Bootstrap Icons name
    symbol: str           # unicode, for CSV, alt text and plain text: never colour alone
    rank: int             # best first
    on_track: bool | None  # the /metas distribution: True on track, False off track, None not assessable


STATUSES: dict[str, ProgressStatus] = {s.id: s for s in [
    ProgressStatus("target_achieved", "progress.status.target_achieved", "#0b6b2f", "#e3f4e8",
                   "check-circle-fill", "✔", 1, True),
    ProgressStatus("substantial_progress", "progress.status.substantial_progress", "#1d6b40", "#e6f4ec",
                   "arrow-up-circle-fill", "▲", 2, True),
    ProgressStatus("moderate_progress", "progress.status.moderate_progress", "#7a5a00", "#fbf3d9",
                   "arrow-up-right-circle", "◭", 3, False),
    ProgressStatus("limited_progress", "progress.status.limited_progress", "#8a4b00", "#fdf1e0",
                   "dash-circle", "▬", 4, False),
    ProgressStatus("deterioration", "progress.status.deterioration", "#b00020", "#fbe9eb",
                   "arrow-down-circle-fill", "▼", 5, False),
    ProgressStatus("not_achieved", "progress.status.not_achieved", "#b00020", "#fbe9eb",
                   "x-circle-fill", "✖", 6, False),
    ProgressStatus("not_assessable", "progress.status.not_assessable", "#4a4a4a", "#f0f0f0",
                   "question-circle", "?", 7, None),
]}

#: why a status could not be assessed (i18n keys "progress.reason.<id>")
REASONS = ("no_data", "one_point", "sign_change", "no_national_series", "no_regional_series",
           "programme_source_missing",
           "not_above_limit", "base_is_latest")

#: Open SDG thresholds (progress-methodology.md; ProgressMeasure.get_progress_thresholds)
RATIO_THRESHOLDS = (0.95, 0.60, 0.0)
GROWTH_THRESHOLDS = (0.015, 0.005, 0.0)
#: the replacement for a zero base value or target (progress-methodology.md, "Special considerations")
ZERO = 0.001


@dataclass
class Assessment:
    status: str
    reason: str | None = None
    base_t: float | None = None
    base_value: float | None = None
    latest_t: float | None = None
    latest_value: float | None = None
    target: float | None = None
    deadline_t: float | None = None
    cagr_observed: float | None = None
    cagr_required: float | None = None
    ratio: float | None = None
    projection_compound: float | None = None
    projection_linear: float | None = None
    needed_per_year: float | None = None          # change per year needed from the latest period (units)
    needed_rate: float | None = None              # compound rate per year needed from the latest period
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def cagr(y1: float, y0: float, t1: float, t0: float) -> float:
    """Compound annual growth rate from (t0, y0) to (t1, y1)."""
    return (y1 / y0) ** (1.0 / (t1 - t0)) - 1.0


def classify(value: float, thresholds: tuple[float, float, float]) -> str:
    high, med, low = thresholds
    if value >= high:
        return "substantial_progress"
    if value >= med:
        return "moderate_progress"
    if value >= low:
        return "limited_progress"
    return "deterioration"


def achieved(value: float, target: float, direction: int) -> bool:
    return value >= target if direction > 0 else value <= target


def _clean(points) -> list[tuple[float, float]]:
    pts = sorted((float(t), float(y)) for t, y in points
                 if t is not None and y is not None and not (isinstance(y, float) and math.isnan(y)))
    return pts


def assess(points, direction: int, target: float | None = None, deadline_t: float | None = None,
           base_t: float | None = None, as_of_t: float | None = None) -> Assessment:
    """The status of one series: `points` are (time in years, value); `direction` +1 (higher is better)
    or -1; `base_t` the baseline period (default: the first point; a later point when the base has no
    value, as the method does); `as_of_t` now (a deadline before it makes the target binary)."""
    if direction not in (1, -1):
        raise ValueError("direction must be +1 or -1")
    pts = _clean(points)
    if not pts:
        return Assessment("not_assessable", "no_data", target=target, deadline_t=deadline_t)
    if base_t is not None:
        later = [p for p in pts if p[0] >= base_t]
        pts = later or pts[-1:]
    (t0, y0), (t1, y1) = pts[0], pts[-1]
    a = Assessment("not_assessable", base_t=t0, base_value=y0, latest_t=t1, latest_value=y1, target=target,
                   deadline_t=deadline_t)
    is_achieved = target is not None and achieved(y1, target, direction)
    if is_achieved:
        a.status = "target_achieved"   # whatever the trend (sdg-build: a score of 5 regardless)
    passed = deadline_t is not None and as_of_t is not None and deadline_t <= as_of_t
    if passed and not is_achieved:
        a.status = "not_achieved"
    if len(pts) < 2 or t1 - t0 <= 0:
        if a.status == "not_assessable":
            a.reason = "one_point"
        return a
    if (y0 > 0 > y1) or (y0 < 0 < y1):
        if a.status == "not_assessable":
            a.reason = "sign_change"
        return a
    sign = -1 if y0 < 0 else 1
    yb = ZERO if y0 == 0 else y0
    if y0 == 0:
        a.notes.append("zero_base")
    a.cagr_observed = cagr(y1, yb, t1, t0) if y1 != 0 else -1.0
    a.projection_linear = None
    if target is None:
        if a.status == "not_assessable":
            a.status = classify(sign * direction * a.cagr_observed, GROWTH_THRESHOLDS)
        return a
    yt = ZERO if target == 0 else target
    if target == 0:
        a.notes.append("zero_target")
    if deadline_t is not None and deadline_t > t0:
        a.cagr_required = cagr(yt, yb, deadline_t, t0)
        if a.cagr_required != 0:
            a.ratio = sign * direction * a.cagr_observed / abs(a.cagr_required)
        if a.status == "not_assessable" and a.ratio is not None:
            a.status = classify(a.ratio, RATIO_THRESHOLDS)
        if deadline_t > t1:
            years = deadline_t - t1
            a.projection_compound = y1 * (1 + a.cagr_observed) ** years
            a.projection_linear = y1 + (y1 - y0) / (t1 - t0) * years
            a.needed_per_year = (target - y1) / years
            if y1 != 0 and (yt / y1) > 0:
                a.needed_rate = (yt / y1) ** (1 / years) - 1
    return a


def assess_excess_cut(points, limit: float, cut: float) -> Assessment:
    """A legal duty to cut the excess over `limit` by at least `cut` (a share) each year until the limit is
    met (Lei n.º 73/2013, art. 52.º, n.º 3, a)). Achieved when the latest value is within the limit;
    otherwise R = observed cut of the excess in the last year / required cut, classed with the Open SDG
    ratio thresholds; projection: the excess cut by `cut` a year, and the years left at that pace."""
    pts = _clean(points)
    if not pts:
        return Assessment("not_assessable", "no_data", target=limit)
    (t1, y1) = pts[-1]
    a = Assessment("not_assessable", latest_t=t1, latest_value=y1, target=limit)
    if y1 <= limit:
        a.status = "target_achieved"
        if len(pts) >= 2:
            a.base_t, a.base_value = pts[-2]
        return a
    if len(pts) < 2:
        a.reason = "one_point"
        return a
    (t0, y0) = pts[-2]
    a.base_t, a.base_value = t0, y0
    e0, e1 = y0 - limit, y1 - limit
    if e0 <= 0:
        # the limit was met the year before: any excess now is a deterioration
        a.ratio = -1.0
        a.status = "deterioration"
        return a
    required = cut * e0
    a.ratio = (e0 - e1) / required
    a.status = classify(a.ratio, RATIO_THRESHOLDS)
    a.needed_per_year = -cut * e1                  # the cut due next year, in the indicator's unit
    a.projection_compound = limit + e1 * (1 - cut)  # the most the value may be next year
    return a


def status_of(status_id: str) -> ProgressStatus:
    return STATUSES[status_id]

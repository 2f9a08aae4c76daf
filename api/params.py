"""The API's parameters, declared once: pydantic v2 models that both parse requests and write the
OpenAPI document (api.openapi reads the same registry), so the two cannot disagree.

How an endpoint is declared (api.routes does it for every /api/v1 and /download route; a new module,
e.g. api/targets.py or api/simulate.py, does the same on its own blueprint)::

    from api import params
    from api.params import Ids, OneOf, Params

    class TargetsQuery(params.Listing):                 # page, page_size, format, dialect, lang included
        territory: Ids(params.TERRITORY, "Territory id(s).") = []
        status: Literal["met", "missed"] | None = Field(None, description="…")

    @params.endpoint(bp, "/targets", operation_id="listTargets", tags=["targets"], query=TargetsQuery,
                     summary=("Metas", "Targets"), description=("…pt…", "…en…"), ok=openapi_ok)
    def targets_list(q: TargetsQuery):                  # q: the parsed, checked query
        ...

    class Scenario(BaseModel): ...                      # a POST body: any pydantic model
    @params.endpoint(bp, "/simulate", methods=("POST",), body=Scenario, ...)
    def simulate(q, body: Scenario): ...

`ok` is the 200 response object (api.openapi.listing_ok / detail_ok / file_ok build the usual ones);
`path=` a model of the path's variables (documentation only: the view answers 404 for unknown ids).
The router calls the view with `q` (when the view has a parameter named `q`) and `body` (with a body
model) and the path variables. The module must be imported before the document is asked for (app
start-up imports it to register its blueprint); `tests/test_api_params.py` checks every route under
/api/v1 and /download is declared and documented with the parameters its parser accepts.

Parsing (`parse_query`): an unknown parameter is a 400 naming it and listing the endpoint's ones
(`extra="forbid"`); a list parameter (`list[str]` fields) takes comma-separated and repeated values
(`?level=a,b&level=c`), trimmed, empty ones dropped, duplicates dropped after the length check; any
other parameter takes its first value, trimmed, an empty one meaning "not given". Every failure is
the API's 400 envelope {"error": {"status", "message", "parameter", "valid"}} with `valid` the closed
list when there is one. A POST body (`parse_body`) must be a JSON object of at most MAX_BODY_BYTES
(413 beyond); its errors name the field by its dotted path (`changes.0.value`).

Closed lists: those fixed in code (formats, dialects, languages, alarm levels and statuses from
core.vocabulary, policy areas, peer groups) are `Literal` types, so pydantic's own schema gives the
enum; those read from the built database (territorial levels, public indicator ids, territory ids)
are `OneOf` checks, read at request time; the OpenAPI generator writes their current list as the
enum (territory ids excepted: 399 of them, documented by pattern and the /territories listing).

Limits (the parser and the document read the same constants; the old document said 50 territory ids
and 20 indicator ids while the parser took 400): MAX_IDS = 400 values per list parameter, enough for
every territory (399) or every public indicator in one request, and 400 four-character ids with their
commas (≈ 2 000 characters) fit well inside the 4 000-character URL limit (a JSON 414 beyond);
page_size 1–10 000 (default 1 000), page 1–1 000 000.

Why a small generator of our own over `model_json_schema()` and not a library: flask-openapi3 wants
its own Flask subclass and blueprint class (Dash owns the Flask server here) and answers validation
errors with its own 422 body; spectree validates on `request.args` without our comma-separated lists
and adds its own routes and error shape; apispec's pydantic support is a third-party plugin for v1
models. All three would fight the existing envelope, the errors' `valid` lists, the lists read from
the database at request time and the before-request response cache; pydantic already does the
parsing, and its JSON schema is most of the document: what is left is ~100 lines.
"""
from __future__ import annotations

import functools
import inspect
import typing
from dataclasses import dataclass, field
from typing import Annotated, Any, Callable, Literal, Sequence

from flask import Blueprint, request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo
from pydantic_core import PydanticCustomError

from core.vocabulary import ALARM_LEVELS as _ALARM_LEVELS, STATUSES as _ALARM_STATUSES
from indicators.model import AREAS as _AREAS
from api import export
from serving import data

#: values per list parameter (see the module docstring for why 400)
MAX_IDS = 400
DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 10_000
MAX_PAGE = 1_000_000
#: a POST body larger than this is a 413
MAX_BODY_BYTES = 64 * 1024
PERIOD_EXAMPLES = ["2021", "2024-Q4", "2020-W05", "2020-11-11", "2011/2021"]
_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
#: the shapes core.periods.parse_period reads (which also checks the dates are real)
PERIOD_PATTERN = rf"^([0-9]{{4}}(-Q[1-4]|-W[0-9]{{2}}|/[0-9]{{4}})?|{_DAY}(/{_DAY})?)$"
TERRITORY_PATTERN = r"^[A-Za-z0-9]{1,12}$"
INDICATOR_PATTERN = r"^[a-z0-9_]{1,80}$"


class ApiError(Exception):
    """An error answered as the API's JSON envelope (api.routes turns it into the response)."""

    def __init__(self, status: int, message: str, parameter: str | None = None, valid: list | None = None):
        super().__init__(message)
        self.status, self.message, self.parameter, self.valid = status, message, parameter, valid


# -- closed lists ------------------------------------------------------------------------------

def _literal(values: Sequence[str]) -> Any:
    return Literal[tuple(values)]  # type: ignore[valid-type]


AlarmLevel = _literal(list(_ALARM_LEVELS))
AlarmStatus = _literal(list(_ALARM_STATUSES))
Area = _literal(list(_AREAS))
PeerGroup = _literal(list(data.PEER_GROUPS))
Lang = Literal["pt", "en"]
Dialect = _literal(list(export.DIALECTS))


def public_indicator_ids() -> list[str]:
    return [str(x) for x in data.indicators(public=True)["indicator_id"]]


#: territorial levels when there is no database yet (the document is still served)
FALLBACK_LEVELS = ["pais", "nuts1", "nuts2", "nuts3", "municipio"]


@dataclass(frozen=True)
class OneOf:
    """A closed list read when a request is checked (from the built database): the value, or each value
    of a list, must be in it. `message` names the bad value and the parameter; `in_docs`: write the
    current list as the document's enum."""
    values: Callable[[], Sequence[str]]
    message: str = "invalid value {value!r} for {name!r}"
    in_docs: bool = True

    def valid(self) -> list[str]:
        return [str(v) for v in self.values()]

    def error(self, value, name: str) -> ApiError:
        return ApiError(400, self.message.format(value=value, name=name), name, self.valid())

    def __call__(self, v, info: ValidationInfo):
        if v is None:
            return v
        vals = v if isinstance(v, list) else [v]
        if vals:
            known = set(self.valid())
            bad = [x for x in vals if x not in known]
            if bad:
                e = self.error(bad[0], info.field_name)
                raise PydanticCustomError("one_of", "{message}", {"message": e.message, "valid": e.valid})
        return v


LEVEL = OneOf(data.levels)
INDICATOR = OneOf(public_indicator_ids, "unknown indicator {value!r} for {name!r}")
TERRITORY = OneOf(data.territory_ids, "unknown territory {value!r} for {name!r} (see /api/v1/territories)",
                  in_docs=False)


@dataclass(frozen=True)
class Invalid:
    """The 400 message (and `valid` list) of a parameter whose value has the wrong shape."""
    message: str
    valid: tuple[str, ...] = ()


def _check_period(v: str | None) -> str | None:
    if v is not None:
        from core.periods import parse_period
        try:
            parse_period(v)
        except (ValueError, OverflowError):
            raise ValueError("not a period id") from None
    return v


_PERIOD_INVALID = Invalid("{name!r}: {value!r} is not a period id (year, quarter, ISO week, date or range)",
                          tuple(PERIOD_EXAMPLES))
_ITEM_PATTERN = {id(TERRITORY): TERRITORY_PATTERN, id(INDICATOR): INDICATOR_PATTERN}


def _unique(v: list[str]) -> list[str]:
    return list(dict.fromkeys(v))


def Ids(of: OneOf | None, description: str, *, item: Any = str, examples: list | None = None) -> Any:
    """A list parameter: comma-separated or repeated values, at most MAX_IDS, duplicates dropped,
    each one in `of` (when given)."""
    pattern = _ITEM_PATTERN.get(id(of))
    if pattern and item is str:
        item = Annotated[str, Field(pattern=pattern)]
    meta: list = [Field(max_length=MAX_IDS, description=description, examples=examples), AfterValidator(_unique)]
    if of is not None:
        meta.append(AfterValidator(of))
    return Annotated[tuple([list[item], *meta])]  # type: ignore[valid-type]


def Period(description: str, examples: list | None = None) -> Any:
    return Annotated[str | None, Field(pattern=PERIOD_PATTERN, description=description,
                                       examples=examples or ["2015"]), AfterValidator(_check_period), _PERIOD_INVALID]


Periods = Annotated[list[Annotated[str, Field(pattern=PERIOD_PATTERN), AfterValidator(_check_period)]],
                    Field(max_length=MAX_IDS, description="Exact period id(s), comma-separated; each checked "
                          "like period_from.", examples=[["2011", "2021"]]),
                    AfterValidator(_unique), _PERIOD_INVALID]


# -- the models --------------------------------------------------------------------------------

class Params(BaseModel):
    """Base of every query (and path) model: unknown names are refused, values are not changed after."""
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(Params):
    """An endpoint without query parameters: any parameter is a 400 naming it."""


class Paged(Params):
    page: Annotated[int, Field(ge=1, le=MAX_PAGE, description="Page number, from 1.")] = 1
    page_size: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE, description="Rows per page.")] = DEFAULT_PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


LANG_DESCRIPTION = ("Language of the Excel dialect's headers and yes/no words: pt (default: sim/não) or en "
                    "(yes/no). The tidy dialect and JSON do not change.")


class Listing(Paged):
    """A listing: JSON envelope or CSV, paginated."""
    format: Literal["json", "csv"] = Field("json", description="Response format.")
    dialect: Dialect = Field("tidy", description=(
        "CSV dialect (with format=csv): tidy = for programs (UTF-8, comma, dot decimal, English snake_case "
        "headers, full precision); excel = for people using Excel in Portugal (UTF-8 with BOM, semicolon, "
        "decimal comma, Portuguese headers, sim/não, values rounded to the indicator's decimals)."))
    lang: Lang = Field("pt", description=LANG_DESCRIPTION)


#: the shared parameters, written after an endpoint's own in the document
SHARED_LAST = tuple(Listing.model_fields)


# -- parsing -----------------------------------------------------------------------------------

def _is_list(f) -> bool:
    return typing.get_origin(f.annotation) is list


def _markers(f) -> tuple[OneOf | None, Invalid | None]:
    one = next((m.func for m in f.metadata if isinstance(m, AfterValidator) and isinstance(m.func, OneOf)), None)
    inv = next((m for m in f.metadata if isinstance(m, Invalid)), None)
    return one, inv


def _bounds(f) -> tuple[Any, Any]:
    lo = next((m.ge for m in f.metadata if hasattr(m, "ge")), None)
    hi = next((m.le for m in f.metadata if hasattr(m, "le")), None)
    return lo, hi


def _literal_values(tp) -> list[str]:
    if typing.get_origin(tp) is Literal:
        return [str(a) for a in typing.get_args(tp)]
    for a in typing.get_args(tp):
        if vals := _literal_values(a):
            return vals
    return []


def to_api_error(model: type[BaseModel], err: dict, where: str = "query") -> ApiError:
    """One pydantic error as the API's 400: the parameter named, the closed list when there is one."""
    loc = [str(x) for x in err.get("loc", ())]
    name = loc[0] if loc else None
    typ, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if typ == "one_of":
        return ApiError(400, ctx["message"], name, ctx["valid"])
    if typ == "extra_forbidden":
        return ApiError(400, f"unknown {'parameter' if where == 'query' else 'field'} {'.'.join(loc)!r}",
                        ".".join(loc), sorted(model.model_fields))
    f = model.model_fields.get(name) if name else None
    if where == "body" or f is None:
        return ApiError(400, f"{'.'.join(loc) or 'body'!r}: {err['msg']}", ".".join(loc) or None)
    if typ == "too_long":
        return ApiError(400, f"too many values for {name!r} (at most {ctx.get('max_length', MAX_IDS)})", name)
    one, inv = _markers(f)
    item = value if len(loc) > 1 or not isinstance(value, list) else (value[0] if value else "")
    if one is not None:
        return one.error(item, name)
    if inv is not None:
        return ApiError(400, inv.message.format(name=name, value=item), name, list(inv.valid) or None)
    lo, hi = _bounds(f)
    if f.annotation is int and lo is not None:
        return ApiError(400, f"{name!r} must be an integer from {lo} to {hi}", name)
    if vals := _literal_values(f.annotation):
        return ApiError(400, f"invalid value {item!r} for {name!r}", name, vals)
    return ApiError(400, f"{name!r}: {err['msg']}", name)


def raw_query(model: type[Params], args) -> dict:
    """The query string as the model's input: lists split and trimmed, other values trimmed, empties
    dropped; unknown names are passed on (the model refuses them)."""
    raw: dict[str, Any] = {}
    fields = model.model_fields
    for k in args:
        f = fields.get(k)
        if f is not None and _is_list(f):
            vals = [x.strip() for v in args.getlist(k) for x in v.split(",") if x.strip()]
            if vals:
                raw[k] = vals
        else:
            v = args.get(k, "").strip()
            if v or f is None:
                raw[k] = v
    return raw


def parse_query(model: type[Params], args=None) -> Params:
    args = request.args if args is None else args
    for k in args:   # unknown names first, in the order given (the `_=` cache-buster kind too)
        if k not in model.model_fields:
            raise ApiError(400, f"unknown parameter {k!r}", k, sorted(model.model_fields))
    try:
        return model.model_validate(raw_query(model, args))
    except ValidationError as e:
        raise to_api_error(model, e.errors()[0]) from None


def parse_body(model: type[BaseModel]) -> BaseModel:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise ApiError(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    if not request.is_json:
        raise ApiError(400, "the body must be JSON (Content-Type: application/json)", "body")
    try:
        return model.model_validate_json(raw)
    except ValidationError as e:
        err = e.errors()[0]
        if err["type"] in ("json_invalid", "model_type"):
            raise ApiError(400, f"the body is not a JSON object: {err['msg']}", "body") from None
        raise to_api_error(model, err, "body") from None


# -- the registry ------------------------------------------------------------------------------

@dataclass
class Endpoint:
    """One operation, as the router runs it and the OpenAPI document shows it."""
    blueprint: Blueprint
    rule: str
    methods: tuple[str, ...]
    operation_id: str
    tags: list[str]
    summary: tuple[str, str]        # pt-PT, English
    description: tuple[str, str]    # pt-PT, English
    query: type[Params] = NoParams
    path: type[Params] | None = None
    body: type[BaseModel] | None = None
    ok: dict = field(default_factory=dict)
    responses: dict = field(default_factory=dict)   # more responses (e.g. a 302) by status code

    @property
    def url(self) -> str:
        """The OpenAPI path: the blueprint's prefix and the rule, `<x>` written `{x}`."""
        import re
        full = (self.blueprint.url_prefix or "") + self.rule
        return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", full)


#: every declared operation, in declaration order (the document's order)
ENDPOINTS: list[Endpoint] = []


def endpoint(bp: Blueprint, rule: str, *, operation_id: str, tags: list[str], summary: tuple[str, str],
             description: tuple[str, str], query: type[Params] = NoParams, path: type[Params] | None = None,
             body: type[BaseModel] | None = None, ok: dict | None = None, responses: dict | None = None,
             methods: tuple[str, ...] = ("GET",), parse_body_itself: bool = False):
    """Register a view on `bp` at `rule` with its parameters declared once (see the module docstring).

    `parse_body_itself`: the body model documents the request, but the view validates it (the simulation's
    scenario errors name fields by their own paths and a non-JSON body is a 415 there)."""
    ep = Endpoint(bp, rule, tuple(methods), operation_id, list(tags), summary, description, query, path, body,
                  ok or {"description": "OK"}, responses or {})

    def wrap(view):
        wants_q = "q" in inspect.signature(view).parameters

        @functools.wraps(view)
        def run(**kw):
            q = parse_query(ep.query)
            if ep.body is not None and not parse_body_itself:
                kw["body"] = parse_body(ep.body)
            return view(q, **kw) if wants_q else view(**kw)
        run.api_endpoint = ep
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=run, methods=list(methods))
        ENDPOINTS[:] = [e for e in ENDPOINTS if (e.url, e.methods) != (ep.url, ep.methods)] + [ep]
        return run
    return wrap


# -- path variables (documentation: the views answer 404 for an unknown id) ------------------------

class IndicatorPath(Params):
    indicator_id: Annotated[str, Field(pattern=INDICATOR_PATTERN, description="Indicator id (see /api/v1/indicators).",
                                       examples=["indice_envelhecimento"])]


class TerritoryPath(Params):
    territory_id: Annotated[str, Field(pattern=TERRITORY_PATTERN, examples=["0101"], description=(
        "Territory id: municipality DICO '0101'; NUTS 'PT', 'PT1', 'PT11', 'PT111'; district/island 'DI01'; "
        "CIM/AM 'EI16D' (see /api/v1/territories)."))]


class MunicipalityPath(Params):
    territory_id: Annotated[str, Field(pattern=TERRITORY_PATTERN, examples=["0101"],
                                       description="Municipality DICO (4 digits, leading zero: '0101').")]

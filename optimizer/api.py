"""The quote API (FastAPI): ``POST /quote``, ``POST /quotes``, ``GET /nodes``, ``GET /health``.

Run with ``corridor serve`` (loopback by default). The OpenAPI schema is at
``/openapi.json`` and interactive docs at ``/docs`` (offline).

The schema tells the truth: the request model is built per network
(:func:`request_model`: the products of products.csv and the currencies of fx.csv as
enums, the modes, bounds on every number and list, finite numbers only, a ready date
of 2000-2099), so a request it allows is answered 200 unless it is one of the
refusals of :data:`REFUSALS`: 422 naming the field, for what a schema cannot say (a
place name that matches no node or several cities, the same place at both ends, no
route under the options, a cargo denser than any material). A request the schema
does not allow answers 422 with the offending field in ``detail[].loc`` (the echo of
a bad value is always valid JSON); bodies larger than :data:`MAX_BODY_BYTES`
(:data:`MAX_BATCH_BODY_BYTES` for ``/quotes``) answer 413, whether sent in one piece
or chunked; at most :data:`MAX_API_ALTERNATIVES` alternatives are returned.

``POST /quotes`` takes a list of up to :data:`MAX_BATCH` requests and answers one
object per request, in order: the quote, or ``{"error": {"field", "message",
"status", "type"}}`` for a request that is invalid or refused, without failing the
others.

Speed (``benchmarks/bench_api.py``): the body is validated by pydantic-core straight
from the bytes and the answer serialised with orjson (FastAPI's encoder took 4 ms a
quote); answers are kept in a bounded cache keyed by the validated request (and the
date, as rates' validity and charges depend on it), so a repeated request costs no
search; the quote is computed in the event loop (a CPU-bound quote in the thread pool
only adds hand-offs and GIL contention), a batch in the thread pool between items.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import math
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    create_model,
    field_validator,
)

from optimizer.data.network import Network
from optimizer.data.schema import MAX_DENSITY_KG_PER_CBM, MODES, _not_bool
from optimizer.errors import InputError
from optimizer.pricing.quote import Cargo, NoRouteError, Quote, quote, quote_shipment
from optimizer.pricing.timing import CHINA

#: Any request the schema allows fits (3,240 characters of text, each escaped as \\uXXXX).
MAX_BODY_BYTES = 65_536
#: Requests in one ``POST /quotes`` (more: 422), and the body limit of that call.
MAX_BATCH = 100
MAX_BATCH_BODY_BYTES = 1_048_576
MAX_API_ALTERNATIVES = 20
MAX_LIST_ITEMS = 20
MIN_TONNES = 1e-4  # 100 g
MAX_TONNES = 100_000.0
MIN_CBM = 1e-4  # 0.1 litre
MAX_CBM = 200_000.0
MAX_VALUE_CNY = 1e12
#: Ready dates the API takes (2000-01-01 .. 2099-12-31), as a pattern beside ``format: date``.
READY_PATTERN = r"^20[0-9]{2}-[0-9]{2}-[0-9]{2}$"
READY_FIRST = dt.date(2000, 1, 1)
READY_LAST = dt.date(2099, 12, 31)
#: Bytes of answers kept by the response cache of one app (least recently used dropped).
CACHE_BYTES = 32 * 1024 * 1024

#: The refusals of a request the schema allows: 422 with this field in ``detail[].loc``
#: (``error.field`` in a ``/quotes`` answer) and a message saying why.
REFUSALS: dict[str, str] = {
    "from": "no node or city of that name (the message lists close matches), or a name "
    "that matches nodes in several cities (the message lists them)",
    "to": "as for from; or the same place as from; or no route under the options "
    "(modes, avoid, via, max_legs, the cargo's size, its dangerous-goods class or an "
    "out-of-gauge piece): the message says why",
    "avoid": "no node or service of that name, or the origin or destination itself",
    "via": "no node or service of that name, or one that is also in avoid",
    "cbm": "tonnes in cbm denser than any material (22,600 kg/cbm): check the units",
    "piece_t": "a heaviest piece over the cargo's own weight",
    "margin": "a margin over 500 % of the buy price",
}

ModeName = Literal["road", "rail", "cr_express", "rail_sea", "sea", "river", "air", "last_mile"]
#: UN dangerous-goods classes and divisions (optimizer.pricing.tariff.DG_CLASS).
DgClass = Literal[
    "1", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "2", "2.1", "2.2", "2.3", "3", "4", "4.1",
    "4.2", "4.3", "5", "5.1", "5.2", "6", "6.1", "6.2", "7", "8", "9",
]  # fmt: skip
MARGIN_PATTERN = r"^\d{1,3}(\.\d{1,2})?%(\+\d{1,7}(\.\d{1,2})?)?$|^\d{1,7}(\.\d{1,2})?$"
PIECE_PATTERN = r"^([1-9]\d?(\.\d{1,2})?)x([1-9]\d?(\.\d{1,2})?)x([1-9]\d?(\.\d{1,2})?)$"
#: A node id or name: at least one character that is not white space (the text is stripped).
NodeText = Annotated[str, Field(min_length=1, max_length=120, pattern=r"[^\s]")]


#: Finite numbers in bounds, not ``true``/``false`` (the bounds in the schema as ``minimum``
#: and ``maximum``; ``Number`` with ``Field(ge=...)`` gave unknown ``ge`` keywords instead).
Tonnes = Annotated[float, Field(ge=MIN_TONNES, le=MAX_TONNES), BeforeValidator(_not_bool)]
Cbm = Annotated[float, Field(ge=MIN_CBM, le=MAX_CBM), BeforeValidator(_not_bool)]
ValueCny = Annotated[float, Field(ge=0.0, le=MAX_VALUE_CNY), BeforeValidator(_not_bool)]
ReadyDate = Annotated[
    dt.date,
    WithJsonSchema({"type": "string", "format": "date", "pattern": READY_PATTERN}),
]


class QuoteRequest(BaseModel):
    """Inputs of a quote (the same as ``corridor price``). The API validates with
    :func:`request_model` (this model with the network's products and currencies)."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        str_strip_whitespace=True,
        allow_inf_nan=False,
        json_schema_extra={
            "examples": [
                {"from": "Deyang", "to": "Duisburg", "tonnes": 5, "cbm": 20},
                {"from": "德阳经开区", "to": "Los Angeles", "tonnes": 2, "currency": "USD"},
            ]
        },
    )

    origin: NodeText = Field(
        alias="from",
        description="Origin: a node id, a node's or zone's name, or a city (EN/中文): "
        "a city stands for its economic zone nearest the centre.",
    )
    destination: NodeText = Field(
        alias="to",
        description="Destination: a node id or name, or a city (its market: door delivery).",
    )
    tonnes: Tonnes | None = Field(None, description="Gross weight, t.")
    cbm: Cbm | None = Field(None, description="Volume, cbm.")
    product: str | None = Field(
        None, min_length=1, max_length=60, description="Product id (products.csv)."
    )
    value_cny: ValueCny | None = Field(None, description="Cargo value, CNY (in-transit inventory).")
    modes: list[ModeName] | None = Field(
        None, max_length=len(MODES), description="Modes allowed (default all)."
    )
    exclude_modes: list[ModeName] = Field(default_factory=list, max_length=len(MODES))
    avoid: list[NodeText] = Field(
        default_factory=list,
        max_length=MAX_LIST_ITEMS,
        description="Node ids or names, or service ids, no route may use.",
    )
    via: list[NodeText] = Field(
        default_factory=list,
        max_length=5,
        description="Node ids or names, or service ids, every route must pass through.",
    )
    max_legs: int | None = Field(None, ge=1, le=12)
    max_transshipments: int | None = Field(None, ge=0, le=11)
    max_alternatives: int = Field(5, ge=1, le=MAX_API_ALTERNATIVES)
    rank_by: Literal["cost", "days", "co2"] = "cost"
    currency: Literal["CNY", "USD", "EUR"] = "CNY"
    ready: ReadyDate | None = Field(
        None,
        description="The date the cargo is ready (2000-2099): each alternative is dated "
        "(etd, eta, China time) and says until when its rates hold.",
    )

    margin: str | None = Field(
        None,
        max_length=24,
        pattern=MARGIN_PATTERN,
        description="Your margin on the buy price: a share (8%), CNY per shipment (300) or "
        "both (8%+300); each alternative then has sell_cny.",
    )
    dg_class: DgClass | None = Field(
        None,
        description="Dangerous-goods class or division (UN: IMDG / ADR / RID / IATA DGR): "
        "no parcels, trains take 3, 8 and 9, no loose cargo, DG surcharges; 1 and 7 are "
        "not quoted.",
    )
    piece: str | None = Field(
        None,
        max_length=24,
        pattern=PIECE_PATTERN,
        description="Largest piece LxWxH in metres (e.g. 12.5x3.2x3.1): out of a 40'HC's "
        "gauge, containers are priced as 40' flat racks.",
    )
    piece_t: Tonnes | None = Field(None, description="Weight of the heaviest piece, t.")
    channel: Literal["9610", "9710", "9810", "1210"] = Field(
        "9810",
        description="Customs mode for the import duty and VAT (with a value): 9610 B2C "
        "parcels, 9710 B2B direct, 9810 to an overseas warehouse, 1210 bonded.",
    )
    items: int = Field(1, ge=1, le=1_000_000, description="Parcels (9610) or items.")

    @field_validator("tonnes", "cbm", "value_cny")
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            msg = "must be a finite number"
            raise ValueError(msg)
        return v

    @field_validator("cbm")
    @classmethod
    def _density(cls, v: float | None, info: Any) -> float | None:
        t = info.data.get("tonnes")
        if v is not None and t is not None and t * 1000.0 / v > MAX_DENSITY_KG_PER_CBM:
            msg = (
                f"{t:g} t in {v:g} cbm is {t * 1000.0 / v:,.0f} kg/cbm, denser than any "
                f"material ({MAX_DENSITY_KG_PER_CBM:,.0f}); check the units"
            )
            raise ValueError(msg)
        return v

    @field_validator("ready")
    @classmethod
    def _ready(cls, v: dt.date | None) -> dt.date | None:
        if v is not None and not READY_FIRST <= v <= READY_LAST:
            msg = f"must be between {READY_FIRST} and {READY_LAST}"
            raise ValueError(msg)
        return v


_MODELS: weakref.WeakKeyDictionary[Network, type[QuoteRequest]] = weakref.WeakKeyDictionary()


def _literal(values: tuple[str, ...]) -> Any:
    """``Literal[values]`` (built at run time from the network's tables)."""
    return Literal.__getitem__(values)


def request_model(network: Network) -> type[QuoteRequest]:
    """:class:`QuoteRequest` with ``product`` and ``currency`` the network's (enums of
    products.csv and fx.csv): what the API validates with and its schema shows."""
    hit = _MODELS.get(network)
    if hit is not None:
        return hit
    products = tuple(str(p) for p in network.products.index)
    currencies = tuple(str(c) for c in network.fx.index) or ("CNY",)
    product_type: Any = _literal(products) | None if products else None
    model = create_model(
        "QuoteRequest",
        __base__=QuoteRequest,
        __module__=__name__,
        product=(
            product_type,
            Field(None, description="Product id (products.csv of the network served)."),
        ),
        currency=(
            _literal(currencies),
            Field(
                "CNY" if "CNY" in currencies else currencies[0],
                description="Currency of total_cost (fx.csv of the network served).",
            ),
        ),
    )
    model.__doc__ = QuoteRequest.__doc__
    _MODELS[network] = model
    return model


class ErrorItem(BaseModel):
    """One problem of a request: where (``loc``: ``body`` then the field), what, its kind."""

    loc: list[str]
    msg: str
    type: str
    input: Any = None


class Problem(BaseModel):
    """A refused request (422, 413)."""

    detail: list[ErrorItem]


class ItemError(BaseModel):
    """Why one request of a batch got no quote."""

    field: str
    message: str
    status: int
    type: str


class BatchError(BaseModel):
    """The answer in place of a quote for a request of a batch that failed."""

    error: ItemError


def _problem(field: str, message: str, kind: str = "value_error") -> dict[str, Any]:
    return {"detail": [{"loc": ["body", field], "msg": message, "type": kind}]}


def _error(field: str, message: str, kind: str = "value_error", status: int = 422) -> JSONResponse:
    return JSONResponse(status_code=status, content=_problem(field, message, kind))


class _BodyLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes with 413.

    The body is read (up to the limit) before the application sees it, so a
    chunked body without ``Content-Length`` is refused with 413 as well.
    """

    def __init__(self, app: Any, limit: int, overrides: dict[str, int] | None = None) -> None:
        self.app = app
        self.default = limit
        self.overrides = overrides if overrides is not None else {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = next((v for p, v in self.overrides.items() if path.startswith(p)), self.default)
        await self._limited(scope, receive, send, limit)

    async def _limited(self, scope: Any, receive: Any, send: Any, limit: int) -> None:
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        too_big = JSONResponse(
            status_code=413,
            content={
                "detail": [
                    {
                        "loc": ["body"],
                        "msg": f"request body over {limit} bytes",
                        "type": "too_large",
                    }
                ]
            },
        )
        if length is not None and (not length.isdigit() or int(length) > limit):
            await too_big(scope, receive, send)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            seen += len(body)
            if seen > limit:
                await too_big(scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        data = b"".join(chunks)
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": data, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _safe(value: Any) -> Any:
    """A value that JSON can carry (a non-finite number as text, long text cut)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "..."
    if isinstance(value, dict):
        return {str(k): _safe(v) for k, v in list(value.items())[:50]}
    if isinstance(value, list | tuple):
        return [_safe(v) for v in list(value)[:50]]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _details(errors: list[Any], prefix: tuple[str, ...] = ("body",)) -> list[dict[str, Any]]:
    """A validation error's problems as ``detail`` items (valid JSON, at most 20)."""
    detail = []
    for err in errors[:20]:
        item = {
            "loc": [*prefix, *(str(x) for x in err.get("loc", ()))],
            "msg": str(err.get("msg", "invalid")).replace("Value error, ", ""),
            "type": str(err.get("type", "value_error")),
        }
        if "input" in err:
            item["input"] = _safe(err["input"])
        detail.append(item)
    return detail


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    """422 for a request that fails validation, always with valid JSON."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(status_code=422, content={"detail": _details(list(exc.errors()), ())})


class QuoteRequestError(ValueError):
    """A quote request that cannot be answered: the field at fault and the error's kind."""

    def __init__(self, field: str, message: str, kind: str = "value_error") -> None:
        super().__init__(message)
        self.field = field
        self.kind = kind


def quote_for(n: Network, request: QuoteRequest) -> Quote:
    """The quote of a request (the API's and the workspace page's).

    The origin and destination go to :func:`~optimizer.pricing.quote.quote` as given,
    which resolves them as places (a node, a zone, or a city standing for its door).

    Raises
    ------
    QuoteRequestError
        With the field at fault: an unknown or ambiguous place, the same place at both
        ends, a bad cargo, or no route.
    """
    try:
        return quote_shipment(
            n,
            request.origin,
            request.destination,
            tonnes=request.tonnes,
            cbm=request.cbm,
            product=request.product,
            value_cny=request.value_cny,
            dg_class=request.dg_class,
            piece=request.piece,
            piece_t=request.piece_t,
            modes=request.modes,
            exclude_modes=request.exclude_modes,
            avoid=request.avoid,
            via=request.via,
            max_legs=request.max_legs,
            max_transshipments=request.max_transshipments,
            max_alternatives=request.max_alternatives,
            rank_by=request.rank_by,
            currency=request.currency,
            ready=request.ready,
            margin=request.margin,
            channel=request.channel,
            items=request.items,
        )
    except NoRouteError as exc:
        raise QuoteRequestError(exc.field or "to", str(exc), "no_route") from None
    except InputError as exc:
        field = exc.field or "body"
        kind = "unknown_node" if field in ("from", "to") and "same node" not in str(exc) else None
        raise QuoteRequestError(field, str(exc), kind or "value_error") from None


class _Answers:
    """A bounded LRU of answers (status, JSON bytes) by key, thread-safe, with counts."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.hits = 0
        self.misses = 0
        self.items: OrderedDict[Any, tuple[int, bytes]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Any) -> tuple[int, bytes] | None:
        with self.lock:
            hit = self.items.get(key)
            if hit is None:
                self.misses += 1
                return None
            self.items.move_to_end(key)
            self.hits += 1
            return hit

    def put(self, key: Any, value: tuple[int, bytes]) -> None:
        with self.lock:
            if key in self.items or len(value[1]) > self.limit // 8:
                return
            self.items[key] = value
            self.size += len(value[1])
            while self.size > self.limit:
                _, old = self.items.popitem(last=False)
                self.size -= len(old[1])

    def stats(self) -> dict[str, int]:
        return {
            "entries": len(self.items),
            "bytes": self.size,
            "hits": self.hits,
            "misses": self.misses,
        }


def _json(content: Any) -> bytes:
    """JSON bytes by orjson; the standard library where orjson cannot (an integer beyond
    64 bits, echoed back from a refused request, is still valid JSON)."""
    try:
        return orjson.dumps(content)
    except TypeError:
        return json.dumps(content, ensure_ascii=False, allow_nan=False).encode("utf-8")


class _Quoter:
    """Validation, quoting and the answer cache of one app over one network."""

    def __init__(self, net: Callable[[], Network]) -> None:
        self.net = net
        self.cache = _Answers(CACHE_BYTES)

    def validate(self, raw: Any) -> QuoteRequest:
        model = request_model(self.net())
        if isinstance(raw, bytes | str):
            return model.model_validate_json(raw)
        return model.model_validate(raw)

    def answer(self, request: QuoteRequest) -> tuple[int, bytes]:
        """The status and JSON body of a valid request (from the cache when asked before)."""
        # the validity of rates and the charges in force depend on the date (local, China)
        key = (
            request.model_dump_json(),
            None if request.ready else (dt.date.today(), dt.datetime.now(CHINA).date()),
        )
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        try:
            out = (200, _json(quote_for(self.net(), request).to_dict()))
        except QuoteRequestError as exc:
            out = (422, _json(_problem(exc.field, str(exc), exc.kind)))
        self.cache.put(key, out)
        return out

    def one(self, body: bytes) -> tuple[int, bytes]:
        """``POST /quote``: the status and JSON body."""
        try:
            request = self.validate(body)
        except ValidationError as exc:
            return 422, _json({"detail": _details(exc.errors())})
        return self.answer(request)

    def item(self, raw: Any) -> bytes:
        """One answer of a batch: the quote's JSON, or an error object's."""
        try:
            request = self.validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = first.get("loc", ())
            return _json(
                {
                    "error": {
                        "field": str(loc[0]) if loc else "body",
                        "message": str(first.get("msg", "invalid")).replace("Value error, ", ""),
                        "status": 422,
                        "type": str(first.get("type", "value_error")),
                    }
                }
            )
        status, body = self.answer(request)
        if status == 200:
            return body
        problem = orjson.loads(body)["detail"][0]
        return _json(
            {
                "error": {
                    "field": str(problem["loc"][-1]),
                    "message": problem["msg"],
                    "status": status,
                    "type": problem["type"],
                }
            }
        )


def _body_schema(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _responses(ok: dict[str, Any], ok_text: str, refused: str) -> dict[int | str, Any]:
    problem = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {
        200: {"description": ok_text, "content": {"application/json": {"schema": ok}}},
        413: {"description": "Body too large", "content": problem},
        422: {"description": refused, "content": problem},
    }


_QUOTE_SCHEMA = {
    "type": "object",
    "title": "Quote",
    "description": "A quote as `corridor price --json` prints it (Quote.to_dict).",
    "required": ["origin", "destination", "cargo", "currency", "alternatives", "assumptions"],
    "properties": {
        "origin": {"type": "object"},
        "destination": {"type": "object"},
        "cargo": {"type": "object"},
        "currency": {"type": "string"},
        "alternatives": {"type": "array", "items": {"type": "object"}},
        "assumptions": {"type": "array", "items": {"type": "string"}},
    },
}
_REFUSED_TEXT = (
    "A request the schema does not allow (`detail[].loc` names the field), or one it "
    "allows that cannot be quoted, with the field named: "
    + "; ".join(f"`{k}`: {v}" for k, v in REFUSALS.items())
)


def warm(network: Network) -> None:
    """Build the per-network caches (compiled network, the city index, the request
    model) with a quote from each origin zone, then move every object alive to the
    garbage collector's permanent generation (:func:`gc.freeze`): the network's
    ~300,000 objects are never traversed again, which took 100-400 ms pauses under
    load. Called at start-up by an app given its network, before any request."""
    origins = network.nodes_of_kind("origin")[:3]
    markets = network.nodes_of_kind("market")[:2]
    request_model(network)
    for o in origins:
        for m in markets:
            with contextlib.suppress(InputError):
                quote(network, o, m, Cargo.from_inputs(network, tonnes=1.0))
    gc.collect()
    gc.freeze()


def create_app(network: Network | None = None, *, warm_up: bool = True) -> FastAPI:
    """The quote API over ``network`` (default: the bundled network, loaded on first use).

    With ``network`` given and ``warm_up``, the app's start-up (its lifespan, as a server
    runs it) calls :func:`warm` before serving."""
    state: dict[str, Network] = {}
    if network is not None:
        state["network"] = network
    lock = threading.Lock()

    @contextlib.asynccontextmanager
    async def lifespan(_: Any) -> AsyncIterator[None]:
        if warm_up and "network" in state:
            await run_in_threadpool(warm, state["network"])
        yield

    def net() -> Network:
        if "network" not in state:
            with lock:
                if "network" not in state:
                    from optimizer.data.loader import load_network

                    state["network"] = load_network()
        return state["network"]

    # the interactive docs (/docs, /redoc) from the Swagger UI and ReDoc files bundled in
    # fastapi-offline: FastAPI's own pages load them from a CDN, blank without internet
    app = FastAPIOffline(
        title="corridor quote API",
        version="0.1.0",
        description="Pareto-optimal multimodal routes (cost, days, CO2) with forwarder-style "
        "costing for the Deyang / Mianyang export corridors.",
        lifespan=lifespan,
    )
    app.state.network = net  # the network served (loaded on first use): the workspace's pages
    # larger limits by path prefix (the workspace's workbook upload adds one)
    app.state.body_limits = {"/quotes": MAX_BATCH_BODY_BYTES}
    app.add_middleware(_BodyLimit, limit=MAX_BODY_BYTES, overrides=app.state.body_limits)
    app.add_exception_handler(RequestValidationError, _invalid)
    quoter = _Quoter(net)
    app.state.quote_cache = quoter.cache

    async def loaded() -> Network:
        # the first request loads the network (seconds) off the event loop
        return state["network"] if "network" in state else await run_in_threadpool(net)

    @app.get("/health")
    def health() -> dict[str, Any]:
        """Liveness, the network served and the answer cache's counts."""
        n = net()
        return {
            "status": "ok",
            "network": n.name,
            "nodes": len(n.nodes),
            "services": len(n.service_table),
            "cache": quoter.cache.stats(),
        }

    @app.get("/nodes")
    def nodes(kind: Annotated[str | None, Query(max_length=30)] = None) -> list[dict[str, Any]]:
        """Nodes (id, names, kind, country, city, coordinates), optionally of one kind."""
        frame = net().nodes
        if kind is not None:
            frame = frame[frame["kind"] == kind]
        return [
            {
                "id": str(i),
                "name": r["name"],
                "name_zh": r["name_zh"],
                "kind": r["kind"],
                "country": r["country"],
                "city": r["city"],
                "lat": float(r["lat"]),
                "lon": float(r["lon"]),
            }
            for i, r in frame.iterrows()
        ]

    @app.post(
        "/quote",
        response_class=Response,
        openapi_extra={"requestBody": _body_schema({"$ref": "#/components/schemas/QuoteRequest"})},
        responses=_responses(_QUOTE_SCHEMA, "The quote", _REFUSED_TEXT),
    )
    async def post_quote(request: Request) -> Response:
        """Quote a cargo: ranked Pareto-optimal alternatives with legs and breakdown."""
        body = await request.body()
        await loaded()
        # computed here, in the event loop: a quote is CPU-bound work of a few ms
        status, content = quoter.one(body)
        return Response(content, status_code=status, media_type="application/json")

    @app.post(
        "/quotes",
        response_class=Response,
        openapi_extra={
            "requestBody": _body_schema(
                {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/QuoteRequest"},
                    "minItems": 1,
                    "maxItems": MAX_BATCH,
                }
            )
        },
        responses=_responses(
            {
                "type": "array",
                "items": {"anyOf": [_QUOTE_SCHEMA, {"$ref": "#/components/schemas/BatchError"}]},
            },
            "One answer per request, in order: its quote, or `error` (field, message, "
            "status, type) when it is invalid or refused (status 422, as `POST /quote` "
            "would answer it)",
            f"Not a JSON list of 1 to {MAX_BATCH} objects",
        ),
    )
    async def post_quotes(request: Request) -> Response:
        """Quote up to 100 requests at once: one answer per request, in order."""
        body = await request.body()
        await loaded()
        try:
            items = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return _bytes(422, _problem_body("invalid JSON: " + str(exc), "json_invalid"))
        if not isinstance(items, list) or not items or len(items) > MAX_BATCH:
            msg = f"must be a list of 1 to {MAX_BATCH} quote requests"
            got = f"{len(items)} items" if isinstance(items, list) else type(items).__name__
            return _bytes(422, _problem_body(f"{msg} (got {got})", "list_length"))
        parts = []
        for raw in items:
            if isinstance(raw, dict):
                parts.append(await run_in_threadpool(quoter.item, raw))
            else:
                parts.append(quoter.item(raw))
        return Response(b"[" + b",".join(parts) + b"]", media_type="application/json")

    base_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        """FastAPI's schema with the request model of the network served."""
        if app.openapi_schema is None:
            schema = base_openapi()
            parts = schema.setdefault("components", {}).setdefault("schemas", {})
            ref = "#/components/schemas/{model}"
            for model in (request_model(net()), Problem, BatchError):
                definition = model.model_json_schema(ref_template=ref)
                parts.update(definition.pop("$defs", {}))
                parts[model.__name__] = definition
            # the places of the network, listed (any other text is tried as a name too)
            places = _places(net())
            props = parts["QuoteRequest"]["properties"]
            for key in ("from", "to"):
                text = props[key]
                props[key] = {
                    "anyOf": [{"type": "string", "enum": places}, {**text, "title": None}],
                    **{k: text[k] for k in ("title", "description") if k in text},
                }
                del props[key]["anyOf"][1]["title"]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _places(network: Network) -> list[str]:
    """Node ids and the cities of the network (what ``from`` and ``to`` list)."""
    cities = {str(c) for c in network.nodes["city"] if isinstance(c, str) and c}
    return sorted({str(i) for i in network.nodes.index} | cities)


def _problem_body(message: str, kind: str) -> dict[str, Any]:
    return {"detail": [{"loc": ["body"], "msg": message, "type": kind}]}


def _bytes(status: int, content: Any) -> Response:
    return Response(_json(content), status_code=status, media_type="application/json")


def served_env(data_dir: Path | None, scenario: Path | None) -> dict[str, str]:
    """The environment :func:`served_app` reads (``corridor serve --workers N`` sets it)."""
    return {
        "CORRIDOR_SERVE_DATA": str(data_dir.resolve()) if data_dir else "",
        "CORRIDOR_SERVE_SCENARIO": str(scenario.resolve()) if scenario else "",
    }


def served_app() -> FastAPI:
    """The app of one worker process of ``corridor serve --workers N`` (a uvicorn factory:
    the network of ``CORRIDOR_SERVE_DATA`` / ``CORRIDOR_SERVE_SCENARIO``, warmed at start-up)."""
    import warnings

    data = (
        Path(os.environ["CORRIDOR_SERVE_DATA"]) if os.environ.get("CORRIDOR_SERVE_DATA") else None
    )
    scenario = os.environ.get("CORRIDOR_SERVE_SCENARIO")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the parent process printed them
        if scenario:
            from optimizer.data.scenario import network_for_scenario

            network = network_for_scenario(Path(scenario), data_dir=data)
        else:
            from optimizer.data.loader import load_network

            network = load_network(data)
    return create_app(network)


def __getattr__(name: str) -> Any:
    """``optimizer.api:app`` for ``uvicorn optimizer.api:app`` (bundled network, lazy)."""
    if name == "app":
        return create_app()
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)

"""The quote API (FastAPI): ``POST /quote``, ``GET /nodes``, ``GET /health``.

Run with ``corridor serve`` (loopback by default). The OpenAPI schema is at
``/openapi.json`` and interactive docs at ``/docs`` (offline). Invalid input answers
422 with the offending field in ``detail[].loc`` (numbers must be finite and
not ``true``/``false``; the echo of a bad value is always valid JSON); bodies
larger than :data:`MAX_BODY_BYTES` answer 413, whether sent in one piece or
chunked; at most :data:`MAX_API_ALTERNATIVES` alternatives are returned.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, ConfigDict, Field, field_validator

from optimizer.data.network import Network
from optimizer.data.schema import MAX_DENSITY_KG_PER_CBM, MODES, Number
from optimizer.errors import InputError
from optimizer.pricing.quote import Cargo, NoRouteError, Quote, quote

MAX_BODY_BYTES = 16_384
MAX_API_ALTERNATIVES = 20
MAX_LIST_ITEMS = 20
MAX_TONNES = 100_000.0
MAX_CBM = 200_000.0

ModeName = Literal["road", "rail", "cr_express", "rail_sea", "sea", "river", "air", "last_mile"]
NodeText = Annotated[str, Field(min_length=1, max_length=120)]


class QuoteRequest(BaseModel):
    """Inputs of a quote (the same as ``corridor price``)."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        str_strip_whitespace=True,
        allow_inf_nan=False,
        json_schema_extra={
            "examples": [
                {
                    "from": "Deyang",
                    "to": "Duisburg",
                    "tonnes": 5,
                    "cbm": 20,
                }
            ]
        },
    )

    origin: NodeText = Field(alias="from", description="Origin node id or name (EN/中文).")
    destination: NodeText = Field(alias="to", description="Destination node id or name.")
    tonnes: Number | None = Field(None, gt=0, le=MAX_TONNES, description="Gross weight, t.")
    cbm: Number | None = Field(None, gt=0, le=MAX_CBM, description="Volume, cbm.")
    product: str | None = Field(None, max_length=60, description="Product id (products.csv).")
    value_cny: Number | None = Field(None, ge=0, le=1e12, description="Cargo value, CNY.")
    modes: list[ModeName] | None = Field(None, max_length=len(MODES))
    exclude_modes: list[ModeName] = Field(default_factory=list, max_length=len(MODES))
    avoid: list[NodeText] = Field(default_factory=list, max_length=MAX_LIST_ITEMS)
    via: list[NodeText] = Field(default_factory=list, max_length=5)
    max_legs: int | None = Field(None, ge=1, le=12)
    max_transshipments: int | None = Field(None, ge=0, le=11)
    max_alternatives: int = Field(5, ge=1, le=MAX_API_ALTERNATIVES)
    rank_by: Literal["cost", "days", "co2"] = "cost"
    currency: Literal["CNY", "USD", "EUR"] = "CNY"

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


def _error(field: str, message: str, kind: str = "value_error", status: int = 422) -> JSONResponse:
    return JSONResponse(
        status_code=status,
        content={
            "detail": [{"loc": ["body", field], "msg": message, "type": kind}],
        },
    )


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


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    """422 for a request that fails validation, always with valid JSON."""
    assert isinstance(exc, RequestValidationError)
    detail = []
    for err in exc.errors()[:20]:
        item = {
            "loc": [str(x) for x in err.get("loc", ())],
            "msg": str(err.get("msg", "invalid")).replace("Value error, ", ""),
            "type": str(err.get("type", "value_error")),
        }
        if "input" in err:
            item["input"] = _safe(err["input"])
        detail.append(item)
    return JSONResponse(status_code=422, content={"detail": detail})


class QuoteRequestError(ValueError):
    """A quote request that cannot be answered: the field at fault and the error's kind."""

    def __init__(self, field: str, message: str, kind: str = "value_error") -> None:
        super().__init__(message)
        self.field = field
        self.kind = kind


def quote_for(n: Network, request: QuoteRequest) -> Quote:
    """The quote of a request (the API's and the workspace page's).

    Raises
    ------
    QuoteRequestError
        With the field at fault: an unknown node, the same origin and destination, a bad
        cargo, or no route.
    """
    resolved = {}
    for field, text in (("from", request.origin), ("to", request.destination)):
        try:
            resolved[field] = n.resolve_node(text)
        except InputError as exc:
            raise QuoteRequestError(field, str(exc), "unknown_node") from None
    if resolved["from"] == resolved["to"]:
        msg = f"origin and destination are the same node ({resolved['to']})"
        raise QuoteRequestError("to", msg)
    try:
        cargo = Cargo.from_inputs(
            n,
            tonnes=request.tonnes,
            cbm=request.cbm,
            product=request.product,
            value_cny=request.value_cny,
        )
    except InputError as exc:
        raise QuoteRequestError(exc.field or "product", str(exc)) from None
    try:
        return quote(
            n,
            request.origin,
            request.destination,
            cargo,
            modes=request.modes,
            exclude_modes=request.exclude_modes,
            avoid=request.avoid,
            via=request.via,
            max_legs=request.max_legs,
            max_transshipments=request.max_transshipments,
            max_alternatives=request.max_alternatives,
            rank_by=request.rank_by,
            currency=request.currency,
        )
    except NoRouteError as exc:
        raise QuoteRequestError(exc.field or "to", str(exc), "no_route") from None
    except InputError as exc:
        raise QuoteRequestError(exc.field or "body", str(exc)) from None


def create_app(network: Network | None = None) -> FastAPI:
    """The quote API over ``network`` (default: the bundled network, loaded on first use)."""
    state: dict[str, Network] = {}
    if network is not None:
        state["network"] = network

    def net() -> Network:
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
    )
    app.state.network = net  # the network served (loaded on first use): the workspace's pages
    # larger limits by path prefix (the workspace's workbook upload adds one)
    app.state.body_limits = {}
    app.add_middleware(_BodyLimit, limit=MAX_BODY_BYTES, overrides=app.state.body_limits)
    app.add_exception_handler(RequestValidationError, _invalid)

    @app.get("/health")
    def health() -> dict[str, Any]:
        """Liveness and the network served."""
        n = net()
        return {
            "status": "ok",
            "network": n.name,
            "nodes": len(n.nodes),
            "services": len(n.service_table),
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
        responses={
            413: {"description": "Body too large"},
            422: {"description": "Invalid input or no route"},
        },
    )
    def post_quote(request: QuoteRequest) -> Any:
        """Quote a cargo: ranked Pareto-optimal alternatives with legs and breakdown."""
        try:
            return quote_for(net(), request).to_dict()
        except QuoteRequestError as exc:
            return _error(exc.field, str(exc), exc.kind)

    return app


def __getattr__(name: str) -> Any:
    """``optimizer.api:app`` for ``uvicorn optimizer.api:app`` (bundled network, lazy)."""
    if name == "app":
        return create_app()
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)

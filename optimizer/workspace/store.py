"""The workspace's database: scenarios and runs, through SQLAlchemy, migrated by Alembic.

SQLite in the user's data folder by default (:func:`default_data_folder`, nothing to
install); any SQLAlchemy URL otherwise (``postgresql+psycopg://user@host/corridor``).
:func:`upgrade` brings a database to the newest schema (``migrations/versions``) each
time the workspace opens it, so a database of an older corridor is migrated, never
recreated: a restart keeps every run.

A run's ``status`` is one of :data:`STATUSES`; the worker that solves it moves it
from ``queued`` to ``running`` and to ``done`` or ``failed``; ``cancelled`` is
final (a late result of a cancelled run is dropped).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

STATUSES = ("queued", "running", "done", "failed", "cancelled")
FINAL = ("done", "failed", "cancelled")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def default_data_folder() -> Path:
    """Where the workspace keeps its database, saved scenarios and results:
    ``$CORRIDOR_HOME``, else ``$XDG_DATA_HOME/corridor``, else ``~/.local/share/corridor``."""
    if home := os.environ.get("CORRIDOR_HOME"):
        return Path(home)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "corridor"


def default_url(folder: Path | None = None) -> str:
    """The SQLite database in the data folder."""
    return f"sqlite:///{(folder or default_data_folder()) / 'workspace.sqlite'}"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class ScenarioRecord(Base):
    """A scenario saved in the workspace (its YAML file lives in the data folder)."""

    __tablename__ = "scenarios"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    path: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class RunRecord(Base):
    """One solve of a scenario: its status, the solver's figures and where its result is."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_path: Mapped[str] = mapped_column(String(1000))
    scenario_id: Mapped[int | None] = mapped_column(ForeignKey("scenarios.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(40), default="solve")  # solve or robust
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    progress: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    result_dir: Mapped[str] = mapped_column(String(1000), default="")
    solver_status: Mapped[str | None] = mapped_column(String(40), nullable=True)
    objective: Mapped[float | None] = mapped_column(Float, nullable=True)
    bound: Mapped[float | None] = mapped_column(Float, nullable=True)
    gap: Mapped[float | None] = mapped_column(Float, nullable=True)
    kpis: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)

    def to_json(self) -> dict[str, Any]:
        """The run as the API answers it (``kpis`` as in solution.json, when done)."""
        doc: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "scenario": self.scenario_path,
            "scenario_id": self.scenario_id,
            "kind": self.kind,
            "params": self.params,
            "message": self.message,
            "progress": self.progress,
            "solver_status": self.solver_status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "result_dir": self.result_dir,
            "created_at": _iso(self.created_at),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "seconds": self.seconds,
        }
        if self.status == "done":
            doc["kpis"] = self.kpis
        return doc


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (Alembic ``upgrade head``)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


class Store:
    """Sessions on one database (migrated on open)."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.engine = create_engine(url, future=True)
        if migrate:  # the server migrates on start; its workers open the database as it is
            upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed at the end (rolled back on an error)."""
        with self._sessions.begin() as s:
            yield s

    def add_run(
        self,
        scenario_path: str,
        scenario_id: int | None = None,
        *,
        kind: str = "solve",
        params: dict[str, Any] | None = None,
    ) -> RunRecord:
        with self.session() as s:
            run = RunRecord(
                scenario_path=scenario_path,
                scenario_id=scenario_id,
                status="queued",
                kind=kind,
                params=params,
                progress="",
            )
            s.add(run)
            s.flush()
            return run

    def get_run(self, run_id: int) -> RunRecord | None:
        with self.session() as s:
            return s.get(RunRecord, run_id)

    def runs(self) -> list[RunRecord]:
        with self.session() as s:
            return list(s.query(RunRecord).order_by(RunRecord.id.desc()))

    def update_run(self, run_id: int, **values: Any) -> RunRecord | None:
        """Set fields of a run, unless it is already final (a cancelled run stays so)."""
        with self.session() as s:
            run = s.get(RunRecord, run_id)
            if run is None or (run.status in FINAL and values.get("status") != run.status):
                return run
            for key, value in values.items():
                setattr(run, key, value)
            return run

    def unfinished(self) -> list[RunRecord]:
        with self.session() as s:
            q = s.query(RunRecord).filter(RunRecord.status.in_(("queued", "running")))
            return list(q.order_by(RunRecord.id))

    def add_scenario(self, name: str, path: str, description: str = "") -> ScenarioRecord:
        with self.session() as s:
            rec = ScenarioRecord(name=name, path=path, description=description)
            s.add(rec)
            s.flush()
            return rec

    def get_scenario(self, scenario_id: int) -> ScenarioRecord | None:
        with self.session() as s:
            return s.get(ScenarioRecord, scenario_id)

"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect

from storage import Store
from storage.migrate import alembic_config, head_revision
from storage.models import Base


def test_migrated_schema_matches_the_models(store: Store, sql: Engine) -> None:
    with sql.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert context.get_current_revision() == head_revision()


def test_research_tables_exist(store: Store, sql: Engine) -> None:
    tables = set(inspect(sql).get_table_names())
    assert {
        "scans",
        "page_visits",
        "scripts",
        "requests",
        "websockets",
        "websocket_frames",
        "workers",
        "wasm_modules",
        "target_cpu",
        "dom_snapshots",
        "bodies",
        "analyses",
        "findings",
        "analyzer_errors",
    } <= tables


def test_downgrade_removes_every_table(tmp_path: Path) -> None:
    path = tmp_path / "scan.db"
    Store.open(str(path)).close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert inspect(engine).get_table_names() == ["alembic_version"]
    engine.dispose()

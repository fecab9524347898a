"""``desktop-app team init``: make a PostgreSQL database a team library, once, as its
administrator (docs/team.md): the pgvector extension, the tables and their row-level
security, the members' role, and the model every member's desktop must use."""

from __future__ import annotations

from pathlib import Path

from desktop_app.commands import Opening, UsageError
from desktop_app.library import Library, LibraryError
from desktop_app.models import ModelError, ModelRegistry


def team_init(data_dir: Path, url: str, members: str, model: str | None,
              opening: Opening) -> int:
    from desktop_app.index.pg_schema import init_team
    from desktop_app.team_parts import team_conninfo

    profile = model_dir = None
    if model is not None:
        try:
            entry = ModelRegistry(data_dir / "models").find(model)
        except ModelError as exc:
            raise UsageError(str(exc)) from exc
        profile, model_dir = entry.profile, entry.folder
    if profile is None:
        from desktop_app.embedding import MINILM

        profile = MINILM
    shown, conninfo = team_conninfo(url)
    init_team(conninfo, members, dims=profile.dim)
    # Opening it once records the model (members open it with whatever it records).
    try:
        with Library(data_dir, provider=opening.provider, threads=opening.threads,
                     library_url=url, profile=profile, model_dir=model_dir) as lib:
            recorded = lib.profile.model_id
    except LibraryError as exc:
        raise LibraryError(f"{shown} is set up, but: {exc}") from exc
    print(f"{shown} is a team library for the members of {members!r}, with the model "
          f"{recorded}.")
    print(f"members index with: desktop-app index FOLDER --library {shown} [--share {members}]")
    return 0

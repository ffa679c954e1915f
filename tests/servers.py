"""Real servers for tests that need separate connections: a seeded database and the app
served by uvicorn in a thread, on loopback."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from app import migrate
from app.config import Settings, get_settings
from app.db import make_engine, transaction
from app.main import create_app
from app.seeding import load_seeds, write_seeds


def seed_database(database_url: str) -> None:
    """Migrate and seed the database at `database_url`, committed."""
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    with transaction(engine) as session:
        write_seeds(session, load_seeds(get_settings().seeds_dir))
    engine.dispose()


@contextmanager
def serve(database_url: str, **settings: object) -> Iterator[str]:
    """The app on a free loopback port (with these `settings` besides the database); yields
    its base URL.

    The listening socket is bound before the thread starts, so connections wait in its
    backlog until uvicorn accepts them: /health is polled without sleeping."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = create_app(Settings(database_url=database_url, **settings))  # type: ignore[arg-type]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(50):
            if not thread.is_alive():
                raise RuntimeError("uvicorn exited before answering /health")
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                continue
        else:
            raise RuntimeError("the app did not answer /health")
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        app.state.engine.dispose()

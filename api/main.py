"""Build the FastAPI app: routers, error handlers, limits, and a lifespan that builds one
shared ``Coach`` in the background (``/readyz`` turns 200 when it is ready) and one shared
``RoleplayService`` (closed at shutdown; idle sessions expired periodically)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from assistant.config import EMBEDDED_PROVIDER, Settings, get_settings
from assistant.llm import llama_runtime
from assistant.roleplay.service import RoleplayService
from assistant.service import Coach

from . import errors
from .deps import ServiceState
from .limits import BodyLimitMiddleware
from .routes import critique, guidance, health, roleplay, web
from .schemas import CritiqueCreate
from .workers import NoModelPool

log = logging.getLogger("api")

ROUTERS: list[APIRouter] = [health.router, critique.router, guidance.router, roleplay.router,
                            web.router]
"""Every resource's router; add new ones here."""

EXPIRE_EVERY_S = 300.0
"""How often idle role-play sessions are swept (also once at start-up). A session past its
idle time is refused at once on access anyway; the sweep deletes the ones nobody asks for."""

STATIC_DIR = Path(__file__).resolve().parent / "static"


def start_up(service: ServiceState) -> None:
    """Make the service ready; failures are recorded for ``/readyz``, never raised.

    The order keeps both cores busy without doing anything twice: open the coach (the store
    is built on first use) and warm its guidance cache; start loading the GGUF (C code, on
    the second core); compile the analyzer's lexicons with a warm-up critique; fork the
    no-model workers, which inherit them; import LiteLLM and register the model (seconds of
    Python) while the workers say they are warm. Nothing imports Python modules in another
    thread during the fork, so a worker can never inherit a held import lock. Timings
    (``/readyz``) count from the process start.
    """
    settings = service.settings
    timings = service.readiness.timings
    gguf: _GgufLoad | None = None
    try:
        coach = Coach.from_settings(settings)
        timings["store_s"] = since_process_start()
        coach.warm_guidance_cache()
        timings["guidance_cache_s"] = since_process_start()
        if settings.model_provider == EMBEDDED_PROVIDER:
            gguf = _GgufLoad(service)
        else:
            # Remote models (Ollama, vLLM, hosted APIs) are not probed: a call that fails
            # degrades its result instead.
            service.readiness.model = True
        coach.critique(WARM_UP_DRAFT, no_llm=True)
        timings["analyzer_s"] = since_process_start()
        if settings.no_llm_workers > 0:
            service.pool = NoModelPool(coach, settings.no_llm_workers, warm_up=WARM_UP_DRAFT)
        timings["workers_forked_s"] = since_process_start()
    except Exception as exc:
        log.exception("start-up failed")
        service.readiness.error = f"the knowledge store could not be loaded: {exc}"
        return
    loader = None
    if gguf is not None:
        loader = threading.Thread(target=_load_model, args=(service, gguf), name="model-load",
                                  daemon=True)
        loader.start()
    try:
        if service.pool is not None and not service.pool.wait_warm():
            log.warning("no-model workers still warming up after 120 s")
        timings["workers_s"] = since_process_start()
        service.coach = coach
        service.readiness.store = coach.context.retriever is not None
        log.info("coach ready %.1f s after the process started", since_process_start())
        # Remembered answers serve the coach's own guidance queries without Chroma; open
        # the store and its encoder in the background once the model is in, so a first
        # free-text guidance search does not pay for them (and start-up does not wait).
        threading.Thread(target=_open_store, args=(service, coach, loader),
                         name="store-open", daemon=True).start()
    except Exception as exc:
        log.exception("start-up failed")
        service.readiness.error = f"the knowledge store could not be loaded: {exc}"


def since_process_start() -> float:
    """Seconds since this process started (from ``/proc``; since import elsewhere)."""
    return round(time.time() - _PROCESS_START, 2)


def _process_start() -> float:
    try:
        stat = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        age = uptime - int(stat[19]) / os.sysconf("SC_CLK_TCK")
        return time.time() - max(0.0, age)
    except (OSError, ValueError, IndexError):
        return time.time()


_PROCESS_START = _process_start()


WARM_UP_DRAFT = (
    "Warm-up: Sam presented the Q3 results clearly. Next, practise timing. 下次请提前准备。"
)
"""Run once at start-up so the analyzer's lexicons are loaded before the first request."""


def _open_store(service: ServiceState, coach: Coach,
                after: threading.Thread | None = None) -> None:
    if after is not None:
        after.join()
    retriever = coach.context.retriever
    try:
        store = getattr(retriever, "store", None)  # CachedRetriever opens it on access
        if store is not None:
            store.search("warm up the encoder", k=1)
            service.readiness.timings["store_open_s"] = since_process_start()
    except Exception:  # a broken store shows up on the first search, with a clear error
        log.exception("opening the knowledge store failed")


class _GgufLoad:
    """The embedded model's file, loading in a thread (C code, beside start-up's Python).
    ``llama_cpp`` is imported here, before the thread starts, so the thread imports
    nothing."""

    def __init__(self, service: ServiceState) -> None:
        self.failure: BaseException | None = None
        self._service = service
        self._thread: threading.Thread | None = None
        try:
            llama_runtime.import_llama_cpp()
        except Exception as exc:  # reported by _load_model
            self.failure = exc
            return
        self._thread = threading.Thread(target=self._run, name="gguf-load", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._service.readiness.model_load_s = round(
                llama_runtime.preload(self._service.settings), 2)
        except BaseException as exc:  # reported by _load_model
            self.failure = exc

    def join(self) -> None:
        """Wait for the load; raise its failure."""
        if self._thread is not None:
            self._thread.join()
        if self.failure is not None:
            raise self.failure


def _load_model(service: ServiceState, gguf: _GgufLoad) -> None:
    try:
        from assistant.llm.embedded import register_embedded_provider  # LiteLLM: seconds

        gguf.join()
        register_embedded_provider(service.settings).load()  # adopts the loaded GGUF
        service.readiness.timings["model_s"] = since_process_start()
        service.readiness.model = True
        log.info("embedded model loaded in %.1f s", service.readiness.model_load_s)
    except Exception as exc:
        log.exception("model load failed")
        service.readiness.error = f"the model could not be loaded: {exc}"


def start_roleplay(service: ServiceState) -> None:
    """Build the role-play service (scenarios, session store, the model gateway: nothing
    heavy; the model itself is shared with the coach). A failure, such as a bad
    ``COACH_SESSIONS_URL``, is recorded and makes the role-play routes answer 503."""
    if service.roleplay is not None:
        return
    try:
        service.roleplay = RoleplayService.from_settings(service.settings)
    except Exception as exc:
        log.exception("role-play start-up failed")
        service.roleplay_error = f"role-play is unavailable: {exc}"


async def expire_sessions(service: ServiceState, every_s: float = EXPIRE_EVERY_S) -> None:
    """Delete idle role-play sessions now and then every ``every_s`` seconds, until
    cancelled (at shutdown)."""
    while True:
        rp = service.roleplay
        if rp is not None:
            try:
                expired = await run_in_threadpool(rp.expire_idle)
                if expired:
                    log.info("expired %d idle role-play sessions", len(expired))
            except Exception:  # a locked or unreachable store: try again next time
                log.exception("expiring role-play sessions failed")
        await asyncio.sleep(every_s)


def create_app(settings: Settings | None = None, *, coach: Coach | None = None,
               roleplay: RoleplayService | None = None) -> FastAPI:
    """The application.

    Args:
        settings: Defaults to ``get_settings()`` (the environment).
        coach: A ready coach (tests pass one with a scripted model); when omitted, one is
            built from ``settings`` in the background at start-up.
        roleplay: A ready role-play service (tests pass one with a scripted model; the
            caller closes it); when omitted, one is built from ``settings`` at start-up and
            closed at shutdown.
    """
    settings = settings or get_settings()
    service = ServiceState.create(settings, coach)
    service.roleplay = roleplay
    if coach is not None:
        service.readiness.store = True
        service.readiness.model = True

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if service.coach is None and not service.started.is_set():
            service.started.set()
            threading.Thread(target=start_up, args=(service,), name="coach-start-up",
                             daemon=True).start()
        built_roleplay = service.roleplay is None
        await run_in_threadpool(start_roleplay, service)
        sweeper = asyncio.create_task(expire_sessions(service), name="expire-sessions")
        yield
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        if service.pool is not None:
            service.pool.shutdown()
        if built_roleplay and service.roleplay is not None:
            rp, service.roleplay = service.roleplay, None
            await run_in_threadpool(rp.close)

    docs_assets = _swagger_assets()
    app = FastAPI(
        title="Feedback Coach",
        version="1",
        summary="Critique performance-feedback drafts (English, Chinese, mixed).",
        lifespan=lifespan,
        docs_url=None if docs_assets else "/docs",
        redoc_url=None,
    )
    if docs_assets:
        _add_offline_docs(app, docs_assets)
    app.state.service = service
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if settings.bench_routes:
        _add_bench_route(app)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=origins,
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(BodyLimitMiddleware, default=settings.max_body_bytes,
                       limits={"/v1/critique/batch": settings.max_batch_body_bytes})
    return app


def _swagger_assets() -> Path | None:
    """Swagger UI's files as shipped inside LiteLLM (a dependency), so ``/docs`` works
    offline instead of loading them from a CDN. Found without importing LiteLLM."""
    spec = importlib.util.find_spec("litellm")
    for root in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(root) / "proxy" / "swagger"
        if (folder / "swagger-ui-bundle.js").is_file() and (folder / "swagger-ui.css").is_file():
            return folder
    return None


def _add_offline_docs(app: FastAPI, assets: Path) -> None:
    app.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Feedback Coach API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon.png",
        )


def _add_bench_route(app: FastAPI) -> None:
    """A bare endpoint that parses the same body and does no work: the benchmark's baseline
    for what the framework costs on this server."""

    @app.post("/bench/bare", include_in_schema=False)
    async def bare(body: CritiqueCreate) -> dict[str, Any]:
        return {"ok": True, "chars": len(body.text)}


def __getattr__(name: str) -> Any:
    """``api.main.app`` is built on first access (``uvicorn api.main:app``)."""
    if name == "app":
        app = create_app()
        globals()["app"] = app
        return app
    raise AttributeError(name)

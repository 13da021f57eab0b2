"""Suite ``retrieval``: guidance search in both languages and across them, recall@k and MRR.

The store is built fresh from ``knowledge/`` in an in-memory Chroma client, so the suite
never touches the user's store. A case's ``filter`` restricts the search to one language's
chunks, which is how a cross-language case (English query, Chinese-only guidance) is posed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..base import DATASETS_DIR, CaseRow, Chart, RunContext, SuiteResult, load_jsonl
from ..scorers import hit_at_k, mean, recall_at_k, reciprocal_rank

DATASET = DATASETS_DIR / "retrieval.jsonl"
KS = (1, 3, 5)
SEARCH_K = 10
"""Chunks fetched per query; sources are ranked by their first chunk."""


class RetrievalCase(BaseModel):
    """One line of ``evals/datasets/retrieval.jsonl``."""

    model_config = ConfigDict(extra="forbid")

    id: str
    query: str = Field(min_length=1)
    language: Literal["en", "zh"]
    """The query's language."""
    filter: Literal["en", "zh"] | None = None
    """Search only this language's guidance; ``None`` searches everything."""
    expected_sources: list[str] = Field(min_length=1)
    """Relevant documents, as the store's ``source`` metadata (path under ``knowledge/``)."""
    note: str = ""

    @property
    def direction(self) -> str:
        """``same``, ``cross`` (query and guidance languages differ) or ``any``."""
        if self.filter is None:
            return "any"
        return "same" if self.filter == self.language else "cross"


def _metrics(prefix: str, ranked: list[list[str]], cases: list[RetrievalCase]
             ) -> dict[str, float]:
    out: dict[str, float] = {}
    for k in KS:
        out[f"{prefix}recall@{k}"] = mean(
            recall_at_k(r, c.expected_sources, k) for r, c in zip(ranked, cases, strict=True))
    out[f"{prefix}hit@3"] = mean(
        hit_at_k(r, c.expected_sources, 3) for r, c in zip(ranked, cases, strict=True))
    out[f"{prefix}mrr"] = mean(
        reciprocal_rank(r, c.expected_sources) for r, c in zip(ranked, cases, strict=True))
    out[f"{prefix}n"] = float(len(cases))
    return out


class RetrievalSuite:
    """recall@k and MRR of ``KnowledgeStore.search`` on labelled queries."""

    name = "retrieval"
    needs_model = False
    description = "guidance search, en/zh and cross-language: recall@k, MRR"

    def run(self, ctx: RunContext) -> SuiteResult:
        """Build an in-memory store from ``knowledge/`` and score every query."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        from ...knowledge.store import KnowledgeStore

        path = ctx.datasets.get(self.name, DATASET)
        cases = load_jsonl(path, RetrievalCase)
        result = SuiteResult(self.name)
        result.add_dataset(path)
        ctx.progress.start("retrieval", len(cases) + 1)
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        store = KnowledgeStore(client=client, collection=f"eval-{uuid.uuid4().hex[:12]}")
        report = store.ingest([ctx.settings.knowledge_dir])
        result.notes.append(f"store built from {ctx.settings.knowledge_dir.name}/: "
                            f"{report.total_chunks} chunks")
        ctx.progress.advance()
        ranked: list[list[str]] = []
        for case in cases:
            t0 = ctx.clock.perf()
            passages = store.search(case.query, k=SEARCH_K, language=case.filter)
            latency = (ctx.clock.perf() - t0) * 1000
            sources = list(dict.fromkeys(p.source for p in passages))
            ranked.append(sources)
            rr = reciprocal_rank(sources, case.expected_sources)
            result.rows.append(CaseRow(
                suite=self.name, dataset=path.stem, case_id=case.id, language=case.language,
                gold=case.expected_sources, predicted=sources[:5],
                passed=hit_at_k(sources, case.expected_sources, 3) == 1.0,
                latency_ms=round(latency, 3),
                detail={"direction": case.direction, "filter": case.filter, "rr": rr},
            ))
            ctx.progress.advance()
        client.delete_collection(store.collection.name)
        result.metrics.update(_metrics("", ranked, cases))
        table: dict[str, dict[str, float]] = {}
        slices: list[tuple[str, Callable[[RetrievalCase], bool]]] = [
            ("en", lambda c: c.language == "en"),
            ("zh", lambda c: c.language == "zh"),
            ("same", lambda c: c.direction == "same"),
            ("cross", lambda c: c.direction == "cross"),
            ("any", lambda c: c.direction == "any"),
        ]
        for label, keep in slices:
            idx = [i for i, c in enumerate(cases) if keep(c)]
            if not idx:
                continue
            m = _metrics(f"{label}.", [ranked[i] for i in idx], [cases[i] for i in idx])
            result.metrics.update(m)
            table[label] = {k.split(".", 1)[1]: v for k, v in m.items()}
        result.breakdown["retrieval: by query language and direction"] = table
        cats = list(table)
        result.charts.append(Chart(kind="bars", title="recall@3 and MRR by slice", data={
            "categories": cats,
            "series": {"recall@3": [table[c]["recall@3"] for c in cats],
                       "mrr": [table[c]["mrr"] for c in cats]},
            "vmax": 1.0,
        }))
        return result


SUITE = RetrievalSuite()

"""Interop with promptfoo's YAML test format (``tests:`` with ``vars`` and ``assert``).

Export writes a complete promptfoo config: the prompt is the draft itself (``{{text}}``),
the provider is this package's ``exec:`` provider (``python -m assistant.evals.promptfoo``,
which prints the coach's JSON result without a model), and each label becomes a
``javascript`` assertion on that JSON. The gold labels are also kept in each test's
``metadata``, so an import restores them exactly; tests written by hand without metadata
are read from their assertions when those follow the same pattern.

Running it: ``npx promptfoo eval -c FILE.yaml`` from the repository root (Node needed).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from ..analyzer import detect_language
from .base import DATASETS_DIR, DatasetError, load_jsonl
from .counterfactual import FAIRNESS_DATASET, FairnessPair
from .critique import LABELS, CritiqueCase, Labels
from .suites.critique import DEFAULT_GROUPS

PROVIDER = "exec: python -m assistant.evals.promptfoo"
_VERDICT = "JSON.parse(output).verdicts.{label} === {value}"
_BIASED = "JSON.parse(output).findings.some(f => f.kind === 'biased_language') === {value}"
_ASSERT = re.compile(
    r"JSON\.parse\(output\)\.(?:verdicts\.(\w+)|findings\.some\(f => f\.kind === "
    r"'biased_language'\)) === (true|false)"
)


class PromptfooError(ValueError):
    """A promptfoo file that cannot be exported or imported."""


def _assertion(label: str, value: bool) -> dict[str, str]:
    js = "true" if value else "false"
    expr = _BIASED.format(value=js) if label == "biased" else _VERDICT.format(label=label,
                                                                              value=js)
    return {"type": "javascript", "value": expr, "metric": label}


def critique_tests(cases: list[CritiqueCase]) -> list[dict[str, Any]]:
    """promptfoo tests for labelled drafts: one javascript assertion per label."""
    tests = []
    for c in cases:
        labels = c.labels.model_dump()
        tests.append({
            "description": c.id,
            "vars": {"text": c.text, **({"rating": c.rating} if c.rating else {})},
            "assert": [_assertion(k, labels[k]) for k in LABELS],
            "metadata": {"id": c.id, "language": c.language, "labels": labels,
                         "tags": c.tags},
        })
    return tests


def fairness_tests(pairs: list[FairnessPair]) -> list[dict[str, Any]]:
    """promptfoo tests for counterfactual pairs: both sides must get the same verdicts, so
    side b is asserted against the verdicts the coach gives side a (computed at export)."""
    from .suites.fairness import outcome

    tests = []
    for p in pairs:
        expected = outcome(p.a).labels
        tests.append({
            "description": f"{p.id} (b side; must match a)",
            "vars": {"text": p.b},
            "assert": [_assertion(k, expected[k]) for k in LABELS],
            "metadata": {"id": p.id, "language": p.language, "counterfactual_of": p.a,
                         "swaps": p.swaps},
        })
    return tests


def export_suite(suite: str, output: Path, *, dataset: Path | None = None) -> int:
    """Write ``suite``'s cases as a promptfoo config; returns the number of tests.

    Raises:
        PromptfooError: a suite with no promptfoo form (model-backed, retrieval).
        DatasetError: a bad dataset.
    """
    if suite == "critique":
        path = dataset or DATASETS_DIR / "critique.jsonl"
        if "holdout" in path.name or path.resolve() in {
                p.resolve() for p in DEFAULT_GROUPS["blind"]}:
            raise PromptfooError(f"{path.name} is blind: it is not exported")
        tests = critique_tests(load_jsonl(path, CritiqueCase))
    elif suite == "fairness":
        path = dataset or FAIRNESS_DATASET
        tests = fairness_tests(load_jsonl(path, FairnessPair))
    else:
        raise PromptfooError(
            f"suite {suite!r} has no promptfoo form; export critique or fairness (retrieval "
            "checks the store, not a prompt; the model-backed suites need this package's "
            "checks after generation)")
    config = {
        "description": f"Feedback Coach {suite} cases ({path.name}), exported by coach eval",
        "prompts": ["{{text}}"],
        "providers": [PROVIDER],
        "tests": tests,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=100),
                      encoding="utf-8")
    return len(tests)


def _labels_from_asserts(asserts: list[Any]) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for a in asserts:
        if not isinstance(a, dict) or a.get("type") != "javascript":
            continue
        m = _ASSERT.fullmatch(str(a.get("value", "")).strip())
        if m:
            found[m.group(1) or "biased"] = m.group(2) == "true"
    return found


def import_tests(source: Path, output: Path) -> tuple[int, list[str]]:
    """Read promptfoo tests into critique-case JSONL.

    Accepts a config (``tests:`` key) or a bare list of tests. A test needs ``vars.text``
    (or ``vars.draft``/``vars.input``) and all five labels, from ``metadata.labels`` or
    from assertions in the exported pattern; other tests are skipped and reported.

    Returns:
        ``(cases written, reasons for skipped tests)``.

    Raises:
        PromptfooError: unreadable file, bad YAML, or no ``tests`` list.
    """
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PromptfooError(f"no such file: {source}") from None
    except UnicodeDecodeError:
        raise PromptfooError(f"{source} is not valid UTF-8") from None
    except yaml.YAMLError as exc:
        raise PromptfooError(f"{source}: not valid YAML: {exc}") from None
    tests = data.get("tests") if isinstance(data, dict) else data
    if isinstance(tests, str):
        raise PromptfooError(f"{source}: tests are in another file ({tests}); import that file")
    if not isinstance(tests, list):
        raise PromptfooError(f"{source}: no 'tests' list")
    cases: list[CritiqueCase] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for i, t in enumerate(tests, 1):
        if not isinstance(t, dict):
            skipped.append(f"test {i}: not a mapping")
            continue
        vars_ = t.get("vars") or {}
        text = next((vars_.get(k) for k in ("text", "draft", "input") if vars_.get(k)), None)
        if not isinstance(text, str) or not text.strip():
            skipped.append(f"test {i}: no text in vars")
            continue
        meta = t.get("metadata") or {}
        labels = meta.get("labels") if isinstance(meta.get("labels"), dict) else None
        labels = labels or _labels_from_asserts(t.get("assert") or [])
        missing = [k for k in LABELS if k not in labels]
        if missing:
            skipped.append(f"test {i}: no label for {', '.join(missing)}")
            continue
        case_id = str(meta.get("id") or t.get("description") or f"promptfoo-{i:04d}")
        if case_id in seen:
            case_id = f"{case_id}-{i}"
        seen.add(case_id)
        language = meta.get("language") or detect_language(text)
        rating = vars_.get("rating")
        try:
            cases.append(CritiqueCase(
                id=case_id, language=language, text=text,
                rating=int(rating) if rating not in (None, "") else None,
                labels=Labels(**{k: bool(labels[k]) for k in LABELS}),
                tags=[str(x) for x in meta.get("tags", [])], note="imported from promptfoo"))
        except (ValueError, TypeError) as exc:
            skipped.append(f"test {i}: {exc}".splitlines()[0])
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8") as fh:
        for c in cases:
            fh.write(c.model_dump_json() + "\n")
    return len(cases), skipped


def provider_main(argv: list[str]) -> int:
    """promptfoo ``exec:`` provider: the prompt (the draft) is ``argv[1]``; prints the
    coach's JSON result, computed without a model."""
    from ..analyzer import analyze

    if len(argv) < 2 or not argv[1].strip():
        print(json.dumps({"error": "empty draft"}))
        return 1
    a = analyze(argv[1])
    print(json.dumps({"language": a.language, "verdicts": a.verdicts.model_dump(),
                      "scores": a.scores.model_dump(),
                      "findings": [f.model_dump() for f in a.findings]}, ensure_ascii=False))
    return 0


__all__ = ["DatasetError", "PromptfooError", "export_suite", "import_tests"]

if __name__ == "__main__":  # pragma: no cover - promptfoo calls this
    raise SystemExit(provider_main(sys.argv))

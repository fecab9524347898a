"""Readers for the shared evaluation sets (SciFact, COVID-QA) and nDCG@10."""

from __future__ import annotations

import ast
import csv
import json
import math
import os
import re
import zipfile
from collections import defaultdict
from pathlib import Path

SHARED = Path(os.environ.get("DESKTOP_APP_SHARED",
                             Path(__file__).resolve().parents[2] / "shared"))

csv.field_size_limit(1 << 30)


def scifact() -> tuple[dict[str, str], dict[str, str], dict[str, set[str]]]:
    """(corpus doc_id → title + text, query id → claim, query id → relevant doc ids)."""
    with zipfile.ZipFile(SHARED / "data" / "scifact" / "scifact.zip") as zf:
        def rows(name: str) -> list[dict[str, str]]:
            member = next(n for n in zf.namelist() if n.endswith(name))
            return list(csv.DictReader(zf.read(member).decode("utf-8").splitlines()))

        corpus = {}
        for r in rows("corpus_train.csv"):
            sentences = ast.literal_eval(r["abstract"])
            corpus[r["doc_id"]] = r["title"] + " " + " ".join(s.strip() for s in sentences)
        queries: dict[str, str] = {}
        qrels: dict[str, set[str]] = defaultdict(set)
        for r in rows("claims_validation.csv"):
            queries[r["id"]] = r["claim"]
            # "[5152028 11705328]": a numpy-printed list, so read the integers, not Python
            for doc in re.findall(r"\d+", r["cited_doc_ids"]):
                qrels[r["id"]].add(doc)
    return corpus, queries, dict(qrels)


def covidqa() -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """(article id → text, [(question, article id, answer text)])."""
    data = json.loads((SHARED / "data" / "covidqa" / "200423_covidQA.json").read_text())
    articles: dict[str, str] = {}
    questions = []
    for e, entry in enumerate(data["data"]):
        for n, para in enumerate(entry["paragraphs"]):
            aid = f"article-{e:03d}-{n:03d}"
            articles[aid] = para["context"]
            for qa in para["qas"]:
                if qa["answers"]:
                    questions.append((qa["question"], aid, qa["answers"][0]["text"]))
    return articles, questions


def ndcg_at_10(ranked: list[str], relevant: set[str]) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:10]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
    return dcg / ideal if ideal else 0.0

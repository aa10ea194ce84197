"""Geoparser speed: process start-up, and articles per second with and without the NER model.

    python benchmarks/speed.py [--docs 200]

Texts: the seed articles, repeated with their sentences shuffled so every document differs
(no cache can help), plus the GeoWebNews texts when ../shared/benchmarks is present.
Prints one line per figure; the README's table quotes them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GWN = ROOT.parent / "shared" / "benchmarks" / "geowebnews.jsonl"


def corpus(n: int) -> list[tuple[str, str]]:
    rng = random.Random(7)
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    if GWN.exists():
        texts += [json.loads(line)["text"] for line in GWN.open(encoding="utf-8")]
    docs = []
    for i in range(n):
        sentences = texts[i % len(texts)].split(". ")
        rng.shuffle(sentences)
        docs.append((f"doc-{i}", ". ".join(sentences)))
    return docs


def startup_seconds(ner: bool) -> float:
    """Wall time of a fresh process that loads everything and geoparses one sentence."""
    code = (
        "from geo.pipeline.geoparse import Geoparser; "
        "Geoparser().parse('x', 'Troops entered Mosul.')"
    )
    env = {**os.environ, "CAMPAIGN_MAP_NER": "on" if ner else "off"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)
    return time.perf_counter() - started


def throughput(ner: bool, docs: list[tuple[str, str]], processes: int) -> float:
    os.environ["CAMPAIGN_MAP_NER"] = "on" if ner else "off"
    from geo.pipeline.geoparse import Geoparser
    from geo.pipeline.nlp import load_pipeline

    parser = Geoparser(nlp=load_pipeline(ner))
    started = time.perf_counter()
    for _ in parser.parse_many(docs, processes=processes):
        pass
    return len(docs) / (time.perf_counter() - started)


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--docs", type=int, default=200)
    opts = args.parse_args()
    docs = corpus(opts.docs)
    words = sum(len(t.split()) for _, t in docs) / len(docs)
    print(f"corpus: {len(docs)} documents, {words:.0f} words each on average")
    for ner in (True, False):
        label = "with NER model" if ner else "without NER model"
        print(f"start-up {label}: {startup_seconds(ner):.2f} s")
        for processes in (1, os.cpu_count() or 1):
            rate = throughput(ner, docs, processes)
            print(f"throughput {label}, {processes} process(es): {rate:.1f} docs/s")


if __name__ == "__main__":
    main()

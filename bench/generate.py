"""A synthetic help center of N articles per language, made from the project's own articles.

Sentences, headings and table rows are drawn (with a fixed seed) from the real articles of each
language, so the vocabulary, the sentence shapes and the Markdown features are the real ones;
the category structure is the real site's. Some articles carry plans-table markers.

`python -m bench.generate --articles N FOLDER` writes one into FOLDER/docs, to try a build on.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from helpcenter.authoring.translations import content_hash, with_source_hash
from helpcenter.progress import Progress, Task

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("fr", "es", "it")
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


@dataclass
class Material:
    """What one language's real articles offer to draw from."""

    sentences: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)


def harvest(locale: str) -> Material:
    material = Material()
    for path in sorted((PROJECT_ROOT / "docs" / locale).rglob("*.md")):
        text = FRONT_MATTER.sub("", path.read_text(encoding="utf-8"))
        title = re.search(r"^title:\s*\"?(.+?)\"?$", path.read_text(encoding="utf-8"), re.M)
        if title and path.name != "index.md":
            material.titles.append(title.group(1))
        for block in re.split(r"\n\s*\n", text):
            block = block.strip()
            if block.startswith("#"):
                material.headings.append(block.lstrip("#").strip())
            elif block.startswith("|"):
                material.tables.append(block)
            elif re.match(r"^\d+\.", block):
                material.steps += [
                    re.sub(r"^\d+\.\s*", "", line).strip()
                    for line in block.splitlines()
                    if re.match(r"^\d+\.", line)
                ]
            elif block and not block.startswith(("!!!", "<!--", "![", "-", "    ")):
                material.sentences += [
                    s.strip()
                    for s in re.split(r"(?<=[.!?])\s+", block)
                    if len(s.strip()) > 30 and "](" not in s
                ]
    return material


def article(rng: random.Random, material: Material, number: int, plans: bool) -> str:
    title = f"{rng.choice(material.titles)} ({number})"
    description = rng.choice([s for s in material.sentences if 50 <= len(s) <= 150])
    parts = [
        f'---\ntitle: "{title}"\ndescription: "{description}"\n---\n',
        " ".join(rng.sample(material.sentences, 3)),
    ]
    for _ in range(rng.randint(2, 4)):
        parts.append(f"## {rng.choice(material.headings)}")
        parts.append(" ".join(rng.sample(material.sentences, rng.randint(2, 5))))
        if rng.random() < 0.5:
            parts.append(f"### {rng.choice(material.headings)}")
            parts.append(
                "\n".join(f"{i}. {step}" for i, step in enumerate(rng.sample(material.steps, 4), 1))
            )
        if rng.random() < 0.3:
            parts.append(rng.choice(material.tables))
        if rng.random() < 0.3:
            parts.append(f"!!! tip\n    {rng.choice(material.sentences)}")
    if plans:
        parts.append("<!-- plans family=current -->")
    return "\n\n".join(parts) + "\n"


def generating(progress: Progress, sizes: list[int]) -> Task:
    """The phase that writes the articles of corpora of these sizes."""
    return progress.phase("[generating]", "articles", len(LOCALES) * sum(sizes))


def generate(
    target: Path, articles_per_language: int, phase: Task | None = None, seed: int = 1
) -> Path:
    """Write the corpus's docs/ into `target` (replacing it): the real site plus N articles,
    each counted on `phase` when there is one.

    Every generated article exists in the three languages, the translations marked up to date.
    """
    docs = target / "docs"
    shutil.rmtree(docs, ignore_errors=True)
    rngs = {locale: random.Random(f"{seed}-{locale}") for locale in LOCALES}
    materials = {locale: harvest(locale) for locale in LOCALES}
    source = PROJECT_ROOT / "docs" / LOCALES[0]
    categories = sorted(
        p.parent.name for p in source.glob("*/index.md") if p.parent.name != "contact"
    )
    shutil.copytree(PROJECT_ROOT / "docs", docs)
    for number in range(articles_per_language):
        relative = f"{categories[number % len(categories)]}/article-{number:05d}.md"
        for locale in LOCALES:
            text = article(rngs[locale], materials[locale], number, plans=number % 10 == 0)
            if locale != LOCALES[0]:
                source_text = (docs / LOCALES[0] / relative).read_text(encoding="utf-8")
                text = with_source_hash(text, content_hash(source_text))
            (docs / locale / relative).write_text(text, encoding="utf-8")
            if phase is not None:
                phase.advance(f"N={articles_per_language}")
    return docs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--articles", type=int, default=1000, help="articles per language")
    parser.add_argument("folder", type=Path, help="where docs/ is written")
    args = parser.parse_args(argv)
    with Progress() as progress:
        generate(args.folder, args.articles, generating(progress, [args.articles]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

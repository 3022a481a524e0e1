"""The engines of the side-by-side comparison, each set up for Swedish as well as its own
documentation allows, behind one small interface:

    engine.build(guides)        # list of guide dicts (id, title, body, category): index, commit
    engine.search(text, k)      # the text exactly as typed -> ids of the best k guides
    engine.close()

Query text is user input: every peer builds its query from the words of the text (runs of
letters and digits), never by passing the text to a query parser, so no text can raise.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from importlib import metadata
from typing import Optional, Sequence

# Runs of letters and digits: what FTS5's unicode61, Tantivy's SimpleTokenizer and PostgreSQL's
# parser all treat as word characters; nothing in a run can be query syntax.
WORD = re.compile(r"[^\W_]+")

# The title counts this many times a body match where the engine takes a weight (FTS5 bm25
# column weights, Tantivy boosts). PostgreSQL uses its own label weights: A (title) 1.0,
# B (body) 0.4.
TITLE_WEIGHT = 2.0


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


class Engine:
    """Base: a name shown in the tables, and how to read its version."""

    name = "engine"
    setup = ""

    def version(self) -> str:
        raise NotImplementedError

    def build(self, guides: Sequence[dict]) -> None:
        raise NotImplementedError

    def search(self, text: str, k: int) -> list[str]:
        raise NotImplementedError

    def server_peak_rss_kib(self) -> Optional[int]:
        """Peak resident memory of a server process doing this engine's work, if any."""
        return None

    def build_to(self, guides: Sequence[dict], path: str) -> None:
        """The index of the guides written to the directory `path`, for `open` in another
        process (the on-disk path of the first-keystroke comparison)."""
        raise NotImplementedError(f"{self.name} has no on-disk index here")

    def open(self, path: str) -> None:
        """Opens the directory written by `build_to`, as a restarted portal would."""
        raise NotImplementedError(f"{self.name} has no on-disk index here")

    def ready(self) -> None:
        """Waits until the engine answers (a server process that opens its index first)."""

    def settle(self) -> None:
        """Waits for work the engine goes on with in the background after its build (not
        counted in the build's time)."""

    def own_evaluation(self, inputs: Sequence[dict], seed: int) -> Optional[dict]:
        """The engine's own evaluation of the same labelled queries on the index just built,
        where it has one (Vägvisare's `GuideIndex.evaluate`, the code of `vagvisare eval`)."""
        return None

    def close(self) -> None:
        pass


class Fts5(Engine):
    """SQLite FTS5 in memory: `unicode61 remove_diacritics 2`, prefix indexes of 2 and 3
    characters, every word of the text a prefix term (`"word"*`), terms OR-ed, ranked by
    bm25 with the title weighted `TITLE_WEIGHT` (configured as the table's `rank`)."""

    name = "sqlite-fts5"
    setup = (
        "FTS5, tokenize `unicode61 remove_diacritics 2`, prefix='2 3', every word `\"w\"*`, "
        f"OR, `bm25(0, {TITLE_WEIGHT:g}, 1)`"
    )

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:")

    def version(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}"

    def build(self, guides: Sequence[dict]) -> None:
        db = self.db
        db.execute(
            "CREATE VIRTUAL TABLE guides USING fts5(id UNINDEXED, title, body, "
            "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
        )
        with db:
            db.executemany(
                "INSERT INTO guides(id, title, body) VALUES (?, ?, ?)",
                ((g["id"], g["title"], g.get("body", "")) for g in guides),
            )
            db.execute(
                "INSERT INTO guides(guides, rank) VALUES ('rank', ?)",
                (f"bm25(0.0, {TITLE_WEIGHT}, 1.0)",),
            )
            db.execute("INSERT INTO guides(guides) VALUES ('optimize')")

    def search(self, text: str, k: int) -> list[str]:
        terms = words(text)
        if not terms:
            return []
        query = " OR ".join(f'"{t}"*' for t in terms)
        rows = self.db.execute(
            "SELECT id FROM guides WHERE guides MATCH ? ORDER BY rank LIMIT ?", (query, k)
        )
        return [row[0] for row in rows]

    def close(self) -> None:
        self.db.close()


class TantivyPy(Engine):
    """Tantivy's official Python package, in RAM: title and body text fields with the default
    tokenizer (`default`: simple, remove long, lower case) or a Swedish analyzer (simple,
    remove long, lower case, Swedish stop words, Swedish Snowball stemmer). The query ORs, for
    every complete word, its term in the title (boosted `TITLE_WEIGHT`) and in the body (BM25),
    and for the last word, when the text does not end in a space, a prefix query (FuzzyTermQuery
    with distance 0 and `prefix=True`) on both fields, as typed."""

    def __init__(self, swedish: bool) -> None:
        import tantivy

        self.tantivy = tantivy
        self.swedish = swedish
        self.name = "tantivy-py-swedish" if swedish else "tantivy-py-default"
        self.setup = (
            "tantivy-py, analyzer simple + remove_long + lowercase"
            + (" + stopwords(swedish) + stemmer(swedish)" if swedish else " (`default`)")
            + f", words OR-ed, title boost {TITLE_WEIGHT:g}, last word as prefix"
        )
        T = tantivy
        builder = (
            T.TextAnalyzerBuilder(T.Tokenizer.simple())
            .filter(T.Filter.remove_long(40))
            .filter(T.Filter.lowercase())
        )
        if swedish:
            builder = builder.filter(T.Filter.stopword("swedish")).filter(
                T.Filter.stemmer("swedish")
            )
        self.analyzer = builder.build()
        tokenizer = "sv_stem" if swedish else "default"
        schema = T.SchemaBuilder()
        schema.add_text_field("id", stored=True, tokenizer_name="raw")
        schema.add_text_field("title", stored=False, tokenizer_name=tokenizer)
        schema.add_text_field("body", stored=False, tokenizer_name=tokenizer)
        self.schema = schema.build()
        self.index = T.Index(self.schema)
        if swedish:
            self.index.register_tokenizer("sv_stem", self.analyzer)
        self.searcher = None

    def build_to(self, guides: Sequence[dict], path: str) -> None:
        """The same index written to the directory `path` (see `open`)."""
        self.index = self.tantivy.Index(self.schema, path=path)
        if self.swedish:
            self.index.register_tokenizer("sv_stem", self.analyzer)
        self.build(guides)

    def open(self, path: str) -> None:
        """Opens an index written by `build_to` (in another process), ready to search."""
        self.index = self.tantivy.Index.open(path)
        if self.swedish:
            self.index.register_tokenizer("sv_stem", self.analyzer)
        self.searcher = self.index.searcher()

    def version(self) -> str:
        return f"tantivy-py {package_version('tantivy')}"

    def build(self, guides: Sequence[dict]) -> None:
        T = self.tantivy
        writer = self.index.writer(heap_size=128_000_000, num_threads=2)
        for g in guides:
            writer.add_document(T.Document(id=g["id"], title=g["title"], body=g.get("body", "")))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def _terms(self, text: str) -> list[str]:
        return self.analyzer.analyze(text)

    def search(self, text: str, k: int) -> list[str]:
        T = self.tantivy
        raw = words(text)
        if not raw:
            return []
        typing_last = text[-1:].isalnum()
        complete = raw[:-1] if typing_last else raw
        clauses = []
        for term in self._terms(" ".join(complete)):
            clauses.append(
                (
                    T.Occur.Should,
                    T.Query.boost_query(T.Query.term_query(self.schema, "title", term), TITLE_WEIGHT),
                )
            )
            clauses.append((T.Occur.Should, T.Query.term_query(self.schema, "body", term)))
        if typing_last:
            for term in self._terms(raw[-1]):
                for field, boost in (("title", TITLE_WEIGHT), ("body", 1.0)):
                    prefix = T.Query.fuzzy_term_query(
                        self.schema, field, term, distance=0, prefix=True
                    )
                    clauses.append((T.Occur.Should, T.Query.boost_query(prefix, boost)))
        if not clauses:
            return []
        hits = self.searcher.search(T.Query.boolean_query(clauses), k).hits
        return [self.searcher.doc(address)["id"][0] for _, address in hits]


class Postgres(Engine):
    """PostgreSQL full-text search: the `swedish` configuration, a stored tsvector column of the
    title (weight A) and the body (weight B), a GIN index; every word of the text a prefix term
    (`word:*`), OR-ed, ranked by `ts_rank` (A 1.0, B 0.4: the title above the body)."""

    name = "postgresql-swedish"
    setup = (
        "PostgreSQL FTS, `swedish`, setweight(title,'A') || setweight(body,'B'), GIN, "
        "every word `w:*`, OR (`|`), ts_rank"
    )

    def __init__(self, dsn: str, table: str = "guides") -> None:
        import psycopg

        self.conn = psycopg.connect(dsn, autocommit=True, prepare_threshold=0)
        self.table = table
        self.backend = self.conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        self.conn.execute("SET client_min_messages = warning")

    def version(self) -> str:
        import psycopg

        server = self.conn.execute("SHOW server_version").fetchone()[0]
        return f"PostgreSQL {server} (psycopg {psycopg.__version__})"

    def build(self, guides: Sequence[dict]) -> None:
        t = self.table
        c = self.conn
        c.execute(f"DROP TABLE IF EXISTS {t}")
        c.execute(
            f"CREATE TABLE {t} (id text PRIMARY KEY, title text NOT NULL, body text NOT NULL, "
            "tsv tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('swedish', title), 'A') || "
            "setweight(to_tsvector('swedish', body), 'B')) STORED)"
        )
        with c.cursor().copy(f"COPY {t} (id, title, body) FROM STDIN") as copy:
            for g in guides:
                copy.write_row((g["id"], g["title"], g.get("body", "")))
        c.execute(f"CREATE INDEX {t}_tsv ON {t} USING GIN (tsv)")
        c.execute(f"ANALYZE {t}")
        self.sql = (
            f"SELECT id FROM {t}, to_tsquery('swedish', %s) q WHERE tsv @@ q "
            "ORDER BY ts_rank(tsv, q) DESC, id LIMIT %s"
        )

    def search(self, text: str, k: int) -> list[str]:
        terms = words(text)
        if not terms:
            return []
        query = " | ".join(f"{t}:*" for t in terms)
        return [row[0] for row in self.conn.execute(self.sql, (query, k))]

    def server_peak_rss_kib(self) -> Optional[int]:
        return proc_peak_rss_kib(self.backend)

    def close(self) -> None:
        try:
            self.conn.execute(f"DROP TABLE IF EXISTS {self.table}")
        finally:
            self.conn.close()


def proc_peak_rss_kib(pid: int) -> Optional[int]:
    """VmHWM (peak resident set) of a process, in KiB, from /proc."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class Vagvisare(Engine):
    """Vägvisare through its Python package: `GuideIndex()` in memory, `upsert`, `commit`,
    `optimize` (as `GuideIndex.from_jsonl` and `vagvisare index` do after a bulk load);
    `suggest(text, limit=k)` with its full explanation and snippet."""

    name = "vagvisare"
    setup = "Python package: GuideIndex() in memory, upsert + commit + optimize, suggest(text, limit)"

    def __init__(self) -> None:
        import vagvisare

        self.vagvisare = vagvisare
        self.index = vagvisare.GuideIndex()

    def version(self) -> str:
        return f"vagvisare {package_version('vagvisare')} (Python package)"

    def build(self, guides: Sequence[dict]) -> None:
        for start in range(0, len(guides), 10_000):
            self.index.upsert(guides[start : start + 10_000])
        self.index.commit()
        self.index.optimize()

    def settle(self) -> None:
        # Beyond 10 000 vectors the semantic stage's nearest-neighbour graphs are built on a
        # background thread after the commit (a baseline build may predate them).
        wait = getattr(self.index, "wait_for_semantic_graphs", None)
        if wait is not None:
            wait()

    def build_to(self, guides: Sequence[dict], path: str) -> None:
        """The same index built in the directory `path` (`GuideIndex(path)`), see `open`."""
        self.index = self.vagvisare.GuideIndex(path)
        self.build(guides)

    def open(self, path: str) -> None:
        """Opens the index directory written by `build_to` (in another process)."""
        self.index = self.vagvisare.GuideIndex(path)

    def search(self, text: str, k: int) -> list[str]:
        return [s.id for s in self.index.suggest(text, limit=k)]

    def own_evaluation(self, inputs: Sequence[dict], seed: int) -> Optional[dict]:
        labelled = [
            {key: q[key] for key in ("query", "relevant", "kind") if q.get(key) is not None}
            for q in inputs
        ]
        return self.index.evaluate(labelled, seed=seed, typed_share=False).to_dict()


class VagvisareCli(Engine):
    """Stand-in when the Python package is not installed: the `vagvisare` binary, `index` then
    `suggest --stdin --format jsonl`, one line in and one JSON line out per search (a pipe
    round trip and JSON decoding included in every latency figure)."""

    name = "vagvisare-cli"
    setup = "CLI stand-in: `vagvisare index`, `vagvisare suggest --stdin --format jsonl`"

    def __init__(self, binary: str, answers: int = 10) -> None:
        """`answers`: the suggestions each line asks for (`--limit`), fixed when the process
        starts: as many as the task reads (5 for a replay of keystrokes, as every other engine
        is asked; 10 for the quality columns' MRR@10), since each one is explained."""
        self.binary = binary
        self.answers = answers
        self.dir = tempfile.mkdtemp(prefix="vagvisare-compare-")
        self.proc: Optional[subprocess.Popen] = None

    def version(self) -> str:
        out = subprocess.run([self.binary, "--version"], capture_output=True, text=True)
        return f"{out.stdout.strip() or 'vagvisare'} (CLI stand-in)"

    def build(self, guides: Sequence[dict]) -> None:
        index = os.path.join(self.dir, "index")
        self.build_to(guides, index)
        self.open(index)

    def build_to(self, guides: Sequence[dict], path: str) -> None:
        """`vagvisare index` of the guides into the directory `path`."""
        source = os.path.join(self.dir, "guides.jsonl")
        with open(source, "w", encoding="utf-8") as out:
            for g in guides:
                out.write(json.dumps(g, ensure_ascii=False) + "\n")
        subprocess.run(
            [self.binary, "index", "--guides", source, "--out", path],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        os.remove(source)

    def open(self, path: str) -> None:
        """`vagvisare suggest --index path --stdin`, answering once it has opened the index
        (the first line waits for that, so it is asked before timing starts: see `ready`)."""
        self.proc = subprocess.Popen(
            self.command(path),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )

    def command(self, path: str) -> list[str]:
        """The command line that searches the index in the directory `path`."""
        return [self.binary, "suggest", "--index", path, "--stdin", "--format", "jsonl",
                "--limit", str(self.answers)]

    def ready(self) -> None:
        # An empty line asks nothing; its answer comes once the index is open.
        self.search("", 1)

    def search(self, text: str, k: int) -> list[str]:
        assert self.proc is not None and self.proc.stdin and self.proc.stdout
        # One line in: a line break in the text would split it, so it becomes a space.
        self.proc.stdin.write(text.replace("\n", " ").replace("\r", " ") + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        return [s["id"] for s in answer["suggestions"]][:k]

    def server_peak_rss_kib(self) -> Optional[int]:
        return proc_peak_rss_kib(self.proc.pid) if self.proc else None

    def close(self) -> None:
        if self.proc:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)


class Bm25s(Engine):
    """bm25s (BM25 as sparse matrices, numpy): one text per guide, the title twice and the body
    (title weight 2), tokenized by bm25s (words of two or more letters, lower case, Swedish
    stop words) and stemmed with the Swedish Snowball stemmer (PyStemmer); a query is the words
    of the text the same way, the word being typed as it stands (bm25s has no prefix query),
    words the index does not hold left out."""

    name = "bm25s"
    setup = ("bm25s, Lucene BM25, bm25s tokenizer + stopwords(swedish) + PyStemmer(swedish), "
             f"title repeated {TITLE_WEIGHT:g}×, no prefix query")

    def __init__(self) -> None:
        import bm25s
        import Stemmer

        self.bm25s = bm25s
        self.stemmer = Stemmer.Stemmer("swedish")
        self.retriever = None
        self.ids: list[str] = []

    def version(self) -> str:
        return f"bm25s {package_version('bm25s')}, PyStemmer {package_version('PyStemmer')}"

    def _tokens(self, texts: list[str]) -> list[list[str]]:
        return self.bm25s.tokenize(texts, stopwords="swedish", stemmer=self.stemmer,
                                   return_ids=False, show_progress=False)

    def build(self, guides: Sequence[dict]) -> None:
        texts = [" ".join([g["title"]] * int(TITLE_WEIGHT) + [g.get("body", "")]) for g in guides]
        self.ids = [g["id"] for g in guides]
        self.retriever = self.bm25s.BM25()
        self.retriever.index(self._tokens(texts), show_progress=False)

    def build_to(self, guides: Sequence[dict], path: str) -> None:
        self.build(guides)
        self.retriever.save(path)
        with open(os.path.join(path, "ids.json"), "w", encoding="utf-8") as out:
            json.dump(self.ids, out)

    def open(self, path: str) -> None:
        self.retriever = self.bm25s.BM25.load(path, show_progress=False)
        with open(os.path.join(path, "ids.json"), encoding="utf-8") as f:
            self.ids = json.load(f)

    def search(self, text: str, k: int) -> list[str]:
        vocab = self.retriever.vocab_dict
        tokens = [t for t in self._tokens([text])[0] if t in vocab]
        if not tokens:
            return []
        found, _ = self.retriever.retrieve([tokens], k=min(k, len(self.ids)),
                                           show_progress=False, n_threads=1)
        return [self.ids[i] for i in found[0]]


class Nothing(Engine):
    """No engine: the worker's own memory (Python, the guides loaded as dicts), for reference."""

    name = "python-baseline"
    setup = "no index: Python with the guides loaded"

    def version(self) -> str:
        import platform

        return f"Python {platform.python_version()}"

    def build(self, guides: Sequence[dict]) -> None:
        pass

    def search(self, text: str, k: int) -> list[str]:
        return []


ENGINES = [
    "vagvisare", "sqlite-fts5", "tantivy-py-default", "tantivy-py-swedish", "bm25s",
    "postgresql-swedish",
]


def make(name: str, dsn: Optional[str] = None, cli: Optional[str] = None,
         answers: int = 10) -> Engine:
    """The engine called `name`; `answers` is how many suggestions the task reads per search
    (only the CLI stand-in, which fixes it when it starts, needs to know beforehand)."""
    if name == "vagvisare":
        return Vagvisare()
    if name == "vagvisare-cli":
        if not cli:
            raise ValueError("vagvisare-cli needs the path of the vagvisare binary")
        return VagvisareCli(cli, answers)
    if name == "sqlite-fts5":
        return Fts5()
    if name == "tantivy-py-default":
        return TantivyPy(swedish=False)
    if name == "tantivy-py-swedish":
        return TantivyPy(swedish=True)
    if name == "postgresql-swedish":
        if not dsn:
            raise ValueError("postgresql-swedish needs a connection string")
        return Postgres(dsn)
    if name == "bm25s":
        return Bm25s()
    if name == "python-baseline":
        return Nothing()
    raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINES)}")

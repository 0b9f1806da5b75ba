"""Execute the book's outdated chapters in parallel, into Jupyter Book's execution cache.

Jupyter Book 1 (MyST-NB, ``execute_notebooks: cache``) executes the chapters one after
another while Sphinx reads them. This script runs first (``make book`` and the other build
targets call it): it finds the chapters whose code cells have no entry in the cache
(``_build/.jupyter_cache``), executes them in parallel, one kernel more than there are
cores (a kernel spends part of its time starting up and importing, not computing), and stores
each executed notebook there under the same hash MyST-NB computes. The build that follows
then finds every chapter in the cache and executes nothing.

The hash is jupyter-cache's (code-cell sources and metadata plus the kernelspec), and the
notebook is read with MyST-NB's own reader, so a cache entry written here is exactly the
one the build looks up; a chapter whose code changed gets a new hash and runs again.
Each chapter runs in its own folder, as MyST-NB runs it (``run_in_temp: false``). A chapter
that fails is reported with its traceback, no entry is stored, and the script exits
non-zero.

Usage: ``python scripts/execute_chapters.py [--jobs N] [--timeout S]``. Prints one line per
chapter with its execution time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "_build" / ".jupyter_cache"
TIMES = ROOT / "_build" / ".chapter-times.yml"
#: Times measured on a 2-core machine, committed: on a fresh clone (no _build) they still
#: order the work longest first. Each build's own measurements take precedence.
DEFAULT_TIMES = Path(__file__).resolve().parent / "chapter-times.yml"


def toc_files(toc=ROOT / "_toc.yml"):
    """Source files of every page in ``_toc.yml``, in book order."""
    data = yaml.safe_load(toc.read_text())
    names = [data["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))

    for part in data.get("parts", []):
        walk(part.get("chapters"))
    walk(data.get("chapters"))
    out = []
    for name in names:
        for ext in (".md", ".ipynb"):
            if (ROOT / (name + ext)).exists():
                out.append(ROOT / (name + ext))
                break
    return out


def read_notebook(path: Path):
    """The notebook MyST-NB builds from ``path``, or None for a plain Markdown page."""
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    text = path.read_text()
    if not text.startswith("---") or "kernelspec" not in text.split("---", 2)[1]:
        return None
    return read_myst_markdown_notebook(
        text, MdParserConfig(), add_source_map=True, path=str(path)
    )


def execute(path_str: str, timeout: int):
    """Run one chapter in its folder (in a worker process); return the executed notebook."""
    from jupyter_cache.executors.utils import single_nb_execution

    path = Path(path_str)
    nb = read_notebook(path)
    result = single_nb_execution(
        nb, cwd=str(path.parent), allow_errors=False, timeout=timeout, meta_override=True
    )
    if result.err is not None:
        return path_str, None, result.time, result.exc_string
    return path_str, nb, result.time, None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # cores + 1: on 2 cores, 3 kernels ran all chapters in 43-47 s (5 runs), 2 kernels in
    # 50-59 s (2 runs, interleaved with those)
    parser.add_argument("--jobs", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--timeout", type=int, default=120)
    args = parser.parse_args(argv)

    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    CACHE.parent.mkdir(parents=True, exist_ok=True)
    cache = get_cache(str(CACHE))
    times = yaml.safe_load(DEFAULT_TIMES.read_text()) if DEFAULT_TIMES.exists() else {}
    if TIMES.exists():
        times.update(yaml.safe_load(TIMES.read_text()) or {})
    todo = []
    for path in toc_files():
        nb = read_notebook(path)
        if nb is None:
            continue
        try:
            cache.match_cache_notebook(nb)
        except KeyError:
            todo.append(path)
    if not todo:
        print("execute_chapters: every chapter is in the cache; nothing to run")
        return 0
    # longest first (last known times), so the slow chapters do not run last, alone
    rel = {p: str(p.relative_to(ROOT)) for p in todo}
    todo.sort(key=lambda p: -float(times.get(rel[p], 1e9)))
    print(f"execute_chapters: running {len(todo)} chapter(s) on {args.jobs} kernel(s)")
    start = time.perf_counter()
    failed = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(execute, str(p), args.timeout) for p in todo]
        for fut in as_completed(futures):
            path_str, nb, seconds, tb = fut.result()
            name = str(Path(path_str).relative_to(ROOT))
            if nb is None:
                failed.append(name)
                print(f"  FAILED  {name} ({seconds:.1f} s)\n{tb}", file=sys.stderr)
                continue
            cache.cache_notebook_bundle(
                CacheBundleIn(nb, path_str, data={"execution_seconds": seconds}),
                check_validity=False,
                overwrite=True,
            )
            times[name] = round(float(seconds), 2)
            print(f"  {seconds:6.1f} s  {name}")
    TIMES.write_text(yaml.safe_dump(times, sort_keys=True))
    print(f"execute_chapters: {time.perf_counter() - start:.1f} s wall")
    if failed:
        print(f"execute_chapters: {len(failed)} chapter(s) failed: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Publishing, checked offline: the GitHub Actions workflow, `make publish`, `make serve`.

- The workflow in .github/workflows validates against GitHub's workflow schema
  (check-jsonschema's built-in copy, no network) and passes zizmor's security audit
  offline, so a broken or unsafe workflow fails here instead of on the first push.
- `make publish` (ghp-import) is run against a local bare repository standing in for
  GitHub: the branch it pushes must hold the site with `.nojekyll` and the folders whose
  names start with "_" (MathJax lives in _static/mathjax).
- `make serve` answers on 127.0.0.1 with the book's index.

The tools come from requirements.txt; a test whose tool is missing skips and says which.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    """The tool next to this Python (the venv), else on PATH; skip when missing."""
    path = BIN / name
    if path.is_file():
        return str(path)
    found = shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed (it is in requirements.txt)")
    return found


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=300, check=False, **kwargs
    )


# --------------------------------------------------------------------------------------
# The workflow


def test_there_is_a_workflow():
    assert WORKFLOWS, "no workflow in .github/workflows"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_githubs_schema(workflow):
    tool = _tool("check-jsonschema")
    # --builtin-schema: the schema vendored inside check-jsonschema, so no download
    out = _run([tool, "--builtin-schema", "vendor.github-workflows", str(workflow)])
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_the_security_audit(workflow):
    tool = _tool("zizmor")
    out = _run([tool, "--offline", "--no-progress", str(workflow)])
    if "unexpected argument '--no-progress'" in out.stderr:  # older zizmor
        out = _run([tool, "--offline", str(workflow)])
    assert out.returncode == 0, out.stdout + out.stderr


def _steps(job: dict) -> list[dict]:
    return job.get("steps") or []


def test_workflow_tests_every_change_and_deploys_only_main():
    """What the workflow promises: `make test` on pushes and pull requests, Debian's
    chromium, Pages deployment from main only, least privilege, no kept credentials."""
    (workflow,) = [w for w in WORKFLOWS if w.stem == "book"]
    wf = yaml.safe_load(workflow.read_text(encoding="utf8"))
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as True
    assert "pull_request" in on and on["push"]["branches"] == ["main"]
    assert wf["permissions"] == {}, "the workflow grants nothing by default"
    assert "group" in wf["concurrency"]

    jobs = wf["jobs"]
    test_job = jobs["test"]
    assert "bookworm" in str(test_job.get("container", "")), "Debian, for its chromium"
    runs = " ".join(s.get("run", "") for s in _steps(test_job))
    assert "bash .ci/run" in runs  # make chromium, then make test
    assert test_job["permissions"] == {"contents": "read"}

    uses = {
        s["uses"].split("@")[0]: s
        for job in jobs.values()
        for s in _steps(job)
        if "uses" in s
    }
    for step in uses.values():  # pinned to a commit, the release named in a comment
        ref = step["uses"].split("@")[1]
        assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), step
    assert uses["actions/checkout"]["with"]["persist-credentials"] is False
    upload = uses["actions/upload-pages-artifact"]
    assert upload["with"]["path"] == "_build/html"
    assert "github.ref == 'refs/heads/main'" in upload["if"]
    assert "pull_request" in upload["if"]

    deploy = jobs["deploy"]
    assert deploy["needs"] == "test"
    assert "github.ref == 'refs/heads/main'" in deploy["if"]
    assert "github.event_name != 'pull_request'" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    deploy_uses = [s["uses"].split("@")[0] for s in _steps(deploy) if "uses" in s]
    assert deploy_uses[-1] == "actions/deploy-pages"
    assert "actions/configure-pages" in deploy_uses
    assert deploy["environment"]["name"] == "github-pages"


# --------------------------------------------------------------------------------------
# make publish


def _git(*args, cwd=None, env=None) -> str:
    out = _run(["git", *args], cwd=cwd, env=env)
    assert out.returncode == 0, f"git {' '.join(args)}: {out.stderr}"
    return out.stdout


def _publish(tmp_path: Path, site: Path) -> list[str]:
    """`make publish` from a scratch repository whose origin is a local bare repository;
    returns the files on the pushed gh-pages branch."""
    if not shutil.which("git") or not shutil.which("make"):
        pytest.skip("git and make are needed")
    _tool("ghp-import")
    remote = tmp_path / "site.git"
    work = tmp_path / "work"
    _git("init", "--quiet", "--bare", str(remote))
    _git("init", "--quiet", str(work))
    _git("remote", "add", "origin", str(remote), cwd=work)
    # The Makefile runs in the book's folder; GIT_DIR points ghp-import's git commands
    # at the scratch repository, so the book's own repository gets no gh-pages branch.
    env = {
        **os.environ,
        "GIT_DIR": str(work / ".git"),
        "GIT_COMMITTER_NAME": "publish test",
        "GIT_COMMITTER_EMAIL": "publish-test@localhost",
    }
    make = [
        "make",
        "--no-print-directory",
        "-o",
        ".venv/.installed",  # use the venv as it is: no reinstall inside a test
        "publish",
        f"PUBLISH_DIR={site}",
    ]
    for _ in range(2):  # publishing again replaces the branch (forced push)
        out = _run(make, cwd=ROOT, env=env)
        assert out.returncode == 0, out.stdout + out.stderr
    files = _git("ls-tree", "-r", "--name-only", "gh-pages", cwd=remote).split()
    message = _git("log", "-1", "--format=%s", "gh-pages", cwd=remote)
    assert message.startswith("Publish the book built from")
    return files


def test_make_publish_pushes_the_site_with_nojekyll(tmp_path):
    """A stand-in site with the book's layout: the folders starting with "_" survive."""
    site = tmp_path / "html"
    (site / "_static" / "mathjax").mkdir(parents=True)
    (site / "_images").mkdir()
    (site / "index.html").write_text("<!doctype html><title>book</title>\n")
    (site / "_static" / "mathjax" / "tex-chtml.js").write_text("/* mathjax */\n")
    (site / "_images" / "figure.png").write_bytes(b"\x89PNG\r\n")
    files = _publish(tmp_path, site)
    assert set(files) == {
        ".nojekyll",
        "index.html",
        "_static/mathjax/tex-chtml.js",
        "_images/figure.png",
    }


def test_make_publish_pushes_the_built_book(tmp_path):
    """The real _build/html, when there is one: every file of it on the branch."""
    html = ROOT / "_build" / "html"
    if not (html / "_static" / "mathjax").is_dir():
        pytest.skip("no built book with MathJax in _build/html (run `make book`)")
    files = set(_publish(tmp_path, html))
    assert {".nojekyll", "index.html", "_static/mathjax/tex-chtml.js"} <= files
    built = {p.relative_to(html).as_posix() for p in html.rglob("*") if p.is_file()}
    assert built - files == set(), sorted(built - files)[:10]


def test_make_publish_without_a_build_says_what_to_do(tmp_path):
    out = _run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "publish",
         f"PUBLISH_DIR={tmp_path}"],
        cwd=ROOT,
    )
    assert out.returncode != 0
    assert "run 'make test' (or 'make book') first" in out.stderr


# --------------------------------------------------------------------------------------
# make serve


def test_make_serve_serves_the_book_on_localhost():
    if not (ROOT / "_build" / "html" / "index.html").is_file():
        pytest.skip("no built book in _build/html (run `make book`)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"SERVE_PORT={port}"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, ended below
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    assert r.status == 200  # index.html: a redirect to the root page
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        root = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf8"))["root"]
        url = f"http://127.0.0.1:{port}/{root}.html"
        with urllib.request.urlopen(url, timeout=5) as r:
            assert "<h1" in r.read().decode("utf8", "replace")
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=10)

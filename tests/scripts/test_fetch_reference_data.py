"""scripts/fetch-reference-data: argument handling, redaction and checksum checks, on local files only
(the real sources need the network, which the tests never use)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from testkit import REPO, shared_file

SCRIPT = REPO / "scripts" / "fetch-reference-data"
SECRET_YAML = """interactions:
- response:
    headers:
      Set-Cookie:
      - __cf_bm=secret1; path=/; expires=Tue, 13-May-25 15:24:09 GMT;
        HttpOnly; Secure
      - _cfuvid=secret2; path=/
      openai-project:
      - proj_abcdefghijklmnopqrstuvwx
      openai-version:
      - '2020-10-01'
      Strict: kept as is
"""
REDACTED_YAML = """interactions:
- response:
    headers:
      Set-Cookie:
      - REDACTED
      - REDACTED
      openai-project:
      - REDACTED
      openai-version:
      - '2020-10-01'
      Strict: kept as is
"""


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=60)


def manifest(tmp_path: Path, entries: list[dict[str, object]]) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"files": entries}))
    return path


def test_fetches_redacts_and_verifies_from_a_mirror(tmp_path: Path) -> None:
    """A mirrored file is redacted as listed, its checksum verified, written, and `--check` agrees."""
    mirror = tmp_path / "mirror"
    (mirror / "real-cassettes").mkdir(parents=True)
    (mirror / "real-cassettes" / "x.yaml").write_text(SECRET_YAML)
    entry = {
        "path": "real-cassettes/x.yaml",
        "source": "https://example.invalid/x.yaml",
        "sha256": hashlib.sha256(REDACTED_YAML.encode()).hexdigest(),
        "redact_headers": ["Set-Cookie", "openai-project"],
    }
    listed = manifest(tmp_path, [entry])
    done = run("--manifest", listed, "--mirror", mirror, "--dest", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "real-cassettes" / "x.yaml").read_text() == REDACTED_YAML
    assert "OPENAI_REPLAY_REFERENCE=" in done.stdout
    assert run("--manifest", listed, "--check", "--dest", tmp_path / "out").returncode == 0


def test_a_checksum_mismatch_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    """A file whose bytes do not match the pinned sha256 is refused by name and never written."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "spec.yaml").write_text("tampered")
    listed = manifest(tmp_path, [{"path": "spec.yaml", "source": "https://example.invalid/s", "sha256": "0" * 64}])
    done = run("--manifest", listed, "--mirror", mirror, "--dest", tmp_path / "out")
    assert done.returncode == 1
    assert "spec.yaml: checksum mismatch" in done.stderr and "not written" in done.stderr
    assert not (tmp_path / "out").exists()
    checked = run("--manifest", listed, "--check", "--dest", tmp_path / "out")
    assert checked.returncode == 1 and "spec.yaml: missing" in checked.stderr


def test_bad_arguments_are_one_line_errors(tmp_path: Path) -> None:
    """A missing mirror folder, an unreadable manifest or a path escaping the corpus: exit 2, no traceback."""
    missing = run("--mirror", tmp_path / "nope", "--dest", tmp_path)
    assert missing.returncode == 2 and "not a folder" in missing.stderr and "Traceback" not in missing.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    unreadable = run("--manifest", broken, "--dest", tmp_path)
    assert unreadable.returncode == 2 and "cannot read the manifest" in unreadable.stderr
    escaping = manifest(tmp_path, [{"path": "../evil", "source": "https://example.invalid/e", "sha256": "0" * 64}])
    escaped = run("--manifest", escaping, "--dest", tmp_path / "out")
    assert escaped.returncode == 2 and "inside the corpus" in escaped.stderr and "Traceback" not in escaped.stderr


def test_the_pinned_manifest_reproduces_the_corpus(tmp_path: Path) -> None:
    """Every pinned file, redacted by the manifest's rules, has the pinned checksum (read from a local corpus)."""
    corpus = shared_file("openapi", "openapi.yaml").parents[1]
    done = run("--mirror", corpus, "--dest", tmp_path / "copy")
    assert done.returncode == 0, done.stderr
    names = [entry["path"] for entry in json.loads((REPO / "scripts" / "reference-data.json").read_text())["files"]]
    assert all((tmp_path / "copy" / name).read_bytes() == (corpus / name).read_bytes() for name in names)

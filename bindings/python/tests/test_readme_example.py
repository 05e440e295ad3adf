"""The README's example, run as it is printed."""

import os
import runpy
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "readme_example.py"


def test_readme_example_runs_and_prints_what_it_says(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    assert capsys.readouterr().out == "processing 46.57\ninvalid_transition\n"
    assert (tmp_path / "orders.db").exists()


def test_readme_shows_the_example_verbatim() -> None:
    readme = (EXAMPLE.parent.parent / "README.md").read_text(encoding="utf-8")
    assert EXAMPLE.read_text(encoding="utf-8").strip() in readme
    assert os.path.basename(EXAMPLE) in readme

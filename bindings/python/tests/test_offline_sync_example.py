"""The offline sync example, run as it is printed, against a real orderly-server and offline."""

import runpy
from pathlib import Path

import pytest

from sync_server import SyncServer, free_port

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "offline_sync.py"


def run_example(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], workdir: Path, server: str, token: str) -> str:
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("ORDERLY_SERVER_URL", server)
    monkeypatch.setenv("ORDERLY_DEVICE_TOKEN", token)
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    return capsys.readouterr().out


def test_offline_sync_example_keeps_orders_offline_then_syncs_them(
    tmp_path: Path, sync_server: SyncServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = sync_server.token("pos-12", "device")
    offline = run_example(monkeypatch, capsys, tmp_path, f"http://127.0.0.1:{free_port()}", token)
    assert offline == "pending 2\nsync_unavailable pending 2\n"
    online = run_example(monkeypatch, capsys, tmp_path, sync_server.url, token)
    # The same keys again place nothing new, so the two orders captured offline are pushed.
    assert online == "pending 2\n['accepted', 'accepted'] pending 0\n"
    assert (tmp_path / "pos.db").exists()


def test_readme_shows_the_offline_sync_example_verbatim() -> None:
    readme = (EXAMPLE.parent.parent / "README.md").read_text(encoding="utf-8")
    assert EXAMPLE.read_text(encoding="utf-8").strip() in readme

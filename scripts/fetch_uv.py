"""Install uv into this project's own ``.uv-tool/bin`` from its wheel on PyPI, with Python's
standard library only.

For a machine that has Python and make but neither uv nor pip nor a working ``venv`` (stock
Debian 12: PEP 668 refuses ``pip install``, and ``python3-venv`` is a separate package). The
wheel is checked against PyPI's SHA-256 before its ``uv`` binary is unpacked; nothing outside the
project folder is touched. Prints the path of the binary.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import stat
import sys
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

UV_VERSION = "0.13.9"  # the uv this project is tested with; any recent uv reads uv.lock
INDEX = "https://pypi.org/simple/uv/"  # PEP 691: the JSON form of the simple index
MACHINES = {"amd64": "x86_64", "arm64": "aarch64"}


def wheel_for_this_machine(files: list[dict[str, Any]]) -> dict[str, Any]:
    machine = platform.machine().lower()
    machine = MACHINES.get(machine, machine)
    if sys.platform == "darwin":
        system, machine = "macosx", "arm64" if machine == "aarch64" else machine
    else:
        system = "manylinux"
    for file in files:
        name = file["filename"]
        if (name.startswith(f"uv-{UV_VERSION}-") and system in name
                and name.endswith(f"_{machine}.whl")):
            return file
    raise SystemExit(f"no uv {UV_VERSION} wheel on PyPI for {sys.platform} {platform.machine()}")


def download(url: str, timeout: float, accept: str = "*/*") -> bytes:
    """One line, not a traceback, when PyPI cannot be reached: find-uv.sh then says what to do."""
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            body: bytes = answer.read()
            return body
    except (OSError, ValueError) as error:  # URLError and socket timeouts are OSErrors
        reason = getattr(error, "reason", error)
        raise SystemExit(f"could not download {url}: {reason}") from None


def main() -> None:
    target = Path(__file__).resolve().parents[1] / ".uv-tool" / "bin" / "uv"
    index = download(INDEX, 60, accept="application/vnd.pypi.simple.v1+json")
    wheel = wheel_for_this_machine(json.loads(index)["files"])
    body = download(wheel["url"], 300)
    if hashlib.sha256(body).hexdigest() != wheel["hashes"]["sha256"]:
        raise SystemExit(f"{wheel['filename']} does not match PyPI's SHA-256; not installed")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        [member] = [n for n in archive.namelist() if n.endswith(".data/scripts/uv")]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(archive.read(member))
    target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    print(target)


if __name__ == "__main__":
    main()

#!/bin/sh
# Print the command that runs uv, installing it into the project if it is missing.
# Order: uv on PATH (pipx, uv's own installer, a distro package), `python3 -m uv` (pip), a copy
# already in this project's .uv-tool/, then a new copy there from PyPI (scripts/fetch_uv.py, with
# Python's standard library only: no pip or venv needed, and nothing PEP 668 forbids).
set -u
if uv --version >/dev/null 2>&1; then
    command -v uv
    exit 0
fi
if python3 -m uv --version >/dev/null 2>&1; then
    echo "python3 -m uv"
    exit 0
fi
here=$(cd "$(dirname "$0")/.." && pwd)
if "$here/.uv-tool/bin/uv" --version >/dev/null 2>&1; then
    echo "$here/.uv-tool/bin/uv"
    exit 0
fi
echo "uv not found: installing it into $here/.uv-tool from PyPI" >&2
if python3 "$here/scripts/fetch_uv.py" && "$here/.uv-tool/bin/uv" --version >/dev/null 2>&1; then
    exit 0
fi
echo "linkedup-bot needs uv and could not install it (is PyPI reachable?): install it with 'pipx install uv' or from https://docs.astral.sh/uv/, then run make again" >&2
exit 1

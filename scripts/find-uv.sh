#!/bin/sh
# Print the command that runs uv, installing it where PEP 668 allows if it is missing.
# Order: uv on PATH (pipx, uv's own installer, a distro package), `python3 -m uv` (pip), a copy
# already installed in this project's .uv-tool/ virtualenv, then a new copy there. A project-local
# virtualenv is what PEP 668 ("externally-managed-environment", Debian 12 and later) allows.
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
local_uv="$here/.uv-tool/bin/uv"
if [ -x "$local_uv" ]; then
    echo "$local_uv"
    exit 0
fi
echo "uv not found: installing it into $here/.uv-tool (a virtualenv of this project's own)" >&2
if python3 -m venv "$here/.uv-tool" >&2 && "$here/.uv-tool/bin/python" -m pip install --quiet uv >&2; then
    echo "$local_uv"
    exit 0
fi
rm -rf "$here/.uv-tool"
echo "linkedup-bot needs uv and could not install it: install it with 'pipx install uv' (or 'apt install python3-venv', then run make again)" >&2
exit 1

"""Keep compiled bytecode during the test run, even where PYTHONDONTWRITEBYTECODE is set (as on
this server).

The suite starts four pytest workers and dozens of ``linkedup`` processes; without a bytecode
cache each of them compiles the project from source and pytest rewrites every test module again:
seconds of CPU per process, on two cores. ``make`` compiles the libraries once for the same
reason (``uv sync --compile-bytecode``); the project's own modules and the rewritten tests are
cached here, in the git-ignored ``__pycache__`` folders. Loaded with ``-p`` (pyproject's
``addopts``) so it acts before ``conftest.py`` imports the project; the workers and the tests'
subprocesses inherit the environment.
"""

from __future__ import annotations

import os
import sys

os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

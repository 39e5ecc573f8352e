"""Run a command as a child that dies with its parent: ``python -m orchestration.pipeline.child
K=V … /path/to/command args``.

A dbt subprocess (`msoko docs`). When its parent is killed (SIGKILL,
the OOM killer), an ordinary child lives on, keeps the warehouse file open and makes the next
run fail on DuckDB's lock. This wrapper asks the kernel to kill the command when its parent
dies (Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)``, kept across ``exec``), sets the ``K=V``
variables in the command's environment only, and replaces itself with the command.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def main(argv: list[str]) -> None:
    args = list(argv)
    env = dict(os.environ)
    while args and "=" in args[0] and not args[0].startswith(("/", ".")):
        key, value = args.pop(0).split("=", 1)
        env[key] = value
    if not args:
        sys.exit("usage: python -m orchestration.pipeline.child [K=V …] command [args …]")
    die_with_parent()
    os.execvpe(args[0], args, env)


def die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent dies (also for a forked copy of a
    process: ``orchestration.pipeline.dbt.run_dbt_forked``); exit now if it is already gone."""
    parent = os.getppid()
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:  # not Linux: the child may outlive a killed parent (docs/operations.md)
        pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])

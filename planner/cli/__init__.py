"""``planner`` command line: the service's answers in a terminal, locally or from a server.

``planner plan --json`` prints exactly the body ``POST /v1/plan`` returns for the same question;
``--remote URL`` asks a running service instead of solving here. Exit codes: 0 answered,
2 usage error, 3 infeasible, 4 service error (see :mod:`.exit_codes`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .exit_codes import EXIT_INFEASIBLE, EXIT_OK, EXIT_SERVER, EXIT_USAGE
from .parser import build_parser

__all__ = ["EXIT_INFEASIBLE", "EXIT_OK", "EXIT_SERVER", "EXIT_USAGE", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["worker"]:  # the job worker has its own options: planner worker --help
        from ..jobs.worker import main as worker_main

        return worker_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    from .run import run

    try:
        return run(args, parser.prog)
    except BrokenPipeError:  # `planner ... | head`: the reader left; not an error of ours
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

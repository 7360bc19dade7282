"""What ``planner`` exits with, so scripts can tell a typo from an impossible plan."""

from __future__ import annotations

__all__ = ["EXIT_CODES_HELP", "EXIT_INFEASIBLE", "EXIT_OK", "EXIT_SERVER", "EXIT_USAGE"]

EXIT_OK = 0
EXIT_USAGE = 2
"""A flag, a value or the request is wrong (argparse's own code for usage errors)."""
EXIT_INFEASIBLE = 3
"""A well-formed question with no answer: the limits conflict or the target is unreachable."""
EXIT_SERVER = 4
"""The service could not be reached, failed, or answered with something unexpected."""

EXIT_CODES_HELP = """\
exit codes:
  0  answered
  2  usage error: a flag or value is wrong (the message names the flag)
  3  infeasible: the limits cannot hold together, or the target cannot be reached
  4  service error: unreachable, failed, overloaded, or an unexpected answer"""

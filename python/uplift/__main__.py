"""``python -m uplift ARGS``: the same as the ``uplift`` command."""

from __future__ import annotations

import os
import sys

from ._find import find_uplift_bin


def main() -> None:
    binary = find_uplift_bin()
    args = [binary, *sys.argv[1:]]
    if sys.platform == "win32":
        import subprocess

        try:
            sys.exit(subprocess.run(args, check=False).returncode)
        except KeyboardInterrupt:
            sys.exit(130)
    os.execv(binary, args)


if __name__ == "__main__":
    main()

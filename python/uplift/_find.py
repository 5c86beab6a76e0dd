"""Locating the ``uplift`` binary that pip installed beside this package."""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig

#: Environment variable naming the binary to run instead of the installed one.
ENV_VAR = "UPLIFT_BIN"


class UpliftNotFound(FileNotFoundError):
    """The ``uplift`` binary is not where pip puts it, nor on ``PATH``."""


def _exe_name() -> str:
    return "uplift" + (sysconfig.get_config_var("EXE") or "")


def _user_scheme() -> str:
    if sys.version_info >= (3, 10):
        return sysconfig.get_preferred_scheme("user")
    if os.name == "nt":
        return "nt_user"
    if sys.platform == "darwin" and getattr(sys, "_framework", None):
        return "osx_framework_user"
    return "posix_user"


def _prefix_scripts(package_dir: str) -> str | None:
    """The scripts directory of the prefix whose site-packages holds the
    package (``pip install --prefix``/``--root``, or a copied environment):
    ``PREFIX/lib/pythonX.Y/site-packages/uplift`` → ``PREFIX/bin`` and
    ``PREFIX\\Lib\\site-packages\\uplift`` → ``PREFIX\\Scripts``."""
    site = os.path.dirname(package_dir)
    if os.path.basename(site).lower() != "site-packages":
        return None
    if os.name == "nt":
        return os.path.join(os.path.dirname(os.path.dirname(site)), "Scripts")
    return os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(site))), "bin")


def candidate_dirs() -> list[str]:
    """The directories searched for the binary, in order, without repeats."""
    package_dir = os.path.dirname(os.path.abspath(__file__))
    dirs: list[str | None] = [
        # The environment this interpreter installs into (a venv's bin/).
        sysconfig.get_path("scripts"),
        # The base interpreter's, for a venv with --system-site-packages.
        sysconfig.get_path("scripts", vars={"base": sys.base_prefix}),
        # pip install --prefix / --root.
        _prefix_scripts(package_dir),
        # pip install --target DIR puts the package in DIR/uplift and the
        # binary in DIR/bin.
        os.path.join(os.path.dirname(package_dir), "bin"),
        # pip install --user.
        sysconfig.get_path("scripts", scheme=_user_scheme()),
    ]
    seen: list[str] = []
    for d in dirs:
        if d and d not in seen:
            seen.append(d)
    return seen


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_uplift_bin() -> str:
    """Return the path of the ``uplift`` binary to run.

    ``UPLIFT_BIN``, when set, names it (useful for development: point it at
    ``target/release/uplift``). Otherwise the scripts directory of this
    interpreter's install scheme, then the other places pip may have put the
    binary beside this package (``--prefix``, ``--target``, ``--user``), then
    ``PATH``.

    Raises :class:`UpliftNotFound` listing every place looked at.
    """
    override = os.environ.get(ENV_VAR)
    if override:
        if _is_executable(override):
            return override
        raise UpliftNotFound(f"{ENV_VAR}={override!r} is not an executable file")

    exe = _exe_name()
    dirs = candidate_dirs()
    for d in dirs:
        path = os.path.join(d, exe)
        if _is_executable(path):
            return path
    on_path = shutil.which(exe)
    if on_path:
        return on_path
    places = "\n".join(f"  {d}" for d in dirs)
    raise UpliftNotFound(
        f"the uplift binary was not found in\n{places}\nnor on PATH; "
        f"reinstall the package (pip install uplift) or set {ENV_VAR}"
    )

"""Checks on the ``next`` targets of login pages, so they can never become open redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

# Printable ASCII without the space and backslash: browsers drop tab, CR and LF from URLs
# and read "\" as "/", so "/\t/evil.example" or "/\evil.example" is "//evil.example".
_ALLOWED = frozenset(chr(c) for c in range(0x21, 0x7F)) - {"\\"}


def local_path(target: str | None, *, default: str, prefix: str = "/") -> str:
    """Return ``target`` when it is a same-site path under ``prefix``, else ``default``.

    The check runs on what a browser would follow: any control character, space or
    backslash refuses the target outright (rather than being stripped and re-read), and the
    parsed URL must have no scheme and no host, and a path that starts with one ``/``.
    """
    if not target or len(target) > 2048 or any(ch not in _ALLOWED for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return default
    root = prefix.rstrip("/")
    under_prefix = not root or parts.path == root or parts.path.startswith(root + "/")
    if parts.path.startswith("//") or not under_prefix:
        return default
    return target

"""A built site served on this machine, and the Chromium that reads it.

One home for what both the build's measurements (:mod:`editions.formula_widths`) and the
browser tests need: a static file server on 127.0.0.1 and a random free port, and the path of
the installed Chromium.
"""

from __future__ import annotations

import functools
import shutil
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

#: The names Chromium is installed under: Debian's, other distributions', a GitHub runner's Chrome.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str | None:
    """The installed Chromium's path, or None (``apt-get install chromium``)."""
    return next((path for path in map(shutil.which, CHROMIUM_NAMES) if path), None)


class QuietHandler(SimpleHTTPRequestHandler):
    """Serve files without logging every request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    """A threading HTTP server that says nothing when a browser hangs up during a file (it
    left the page, or a test closed it): that is no error of the server's."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class StaticServer:
    """Serve ``directory`` on 127.0.0.1 and a random free port, in a thread, while in a
    ``with`` block; ``root`` is its address, ending in "/".

    ``handler`` is a :class:`SimpleHTTPRequestHandler` subclass (default :class:`QuietHandler`).
    """

    def __init__(self, directory: Path, handler: type[SimpleHTTPRequestHandler] = QuietHandler):
        self.httpd = _Server(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
        self.root = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> StaticServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

"""The proof's HTTP server: its page, its status and the files of its builds, on 127.0.0.1."""
import contextlib
import json
import mimetypes
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .proofer import Proofer
from .settings import DEFAULT_PORT, PAGES, STATIC, STATIC_FILES


class Handler(BaseHTTPRequestHandler):
    """GET /, /flatplan, /static/…, /status, /files/… (out/proof only); POST /approve."""

    proofer: Proofer = None  # set on the subclass that make_server() makes
    server_version = "reportpress-proof"

    def log_message(self, format, *args):  # quiet: the terminal shows the builds
        pass

    def _host_ok(self):
        """Only pages this server served may talk to it (no DNS rebinding)."""
        port = self.server.server_address[1]
        allowed = {f"127.0.0.1:{port}", f"localhost:{port}"}
        if self.headers.get("Host") not in allowed:
            return False
        origin = self.headers.get("Origin")
        return origin is None or origin.removeprefix("http://") in allowed

    def do_GET(self):
        if not self._host_ok():
            return self._send(HTTPStatus.FORBIDDEN, b"forbidden\n", "text/plain")
        path = urlsplit(self.path).path
        if path in PAGES:
            return self._file(STATIC / PAGES[path], "text/html; charset=utf-8", "no-cache")
        if path.startswith("/static/") and path[8:] in STATIC_FILES:
            name = path[8:]
            return self._file(STATIC / name, STATIC_FILES[name] + "; charset=utf-8", "no-cache")
        if path == "/status":
            return self._status(parse_qs(urlsplit(self.path).query))
        if path.startswith("/files/"):
            file = self.proofer.file_for(path)
            if file:
                kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                # page images are named by their hash: they never change
                cache = "max-age=31536000, immutable" if "/pages/" in path else "no-cache"
                return self._file(file, kind, cache)
        return self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

    def do_POST(self):
        if not self._host_ok():
            return self._send(HTTPStatus.FORBIDDEN, b"forbidden\n", "text/plain")
        if urlsplit(self.path).path != "/approve":
            return self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")
        edition = self._edition(parse_qs(urlsplit(self.path).query), "lang")
        ok = edition.approve()
        body = json.dumps({"approved": ok}).encode()
        return self._send(HTTPStatus.OK if ok else HTTPStatus.CONFLICT, body, "application/json")

    def _edition(self, query, name):
        """The edition the query's `name` (lang, side) asks for; the main one if none or
        one the report does not have."""
        found = query.get(name, [""])[-1]
        return self.proofer.edition(found) or self.proofer

    def _status(self, query):
        """/status?lang=fr: that edition's; ?side=fr: the main edition's with that one's
        `beside` it (spread by spread). Each edition shown is kept up to date."""
        side = self._edition(query, "side") if "side" in query else None
        if side is self.proofer:
            side = None  # (beside itself: the main edition alone)
        shown = [self.proofer, side] if side else [self._edition(query, "lang")]
        found = query.get("view", [""])[-1]
        for edition in shown:
            edition.shown()
            if found.isdigit() and 0 < int(found) < 100_000:
                edition.view = int(found)  # page N is in view (the first of its spread)
        status = shown[0].status()
        if side:
            status["beside"] = side.status()
        body = json.dumps(status).encode()
        return self._send(HTTPStatus.OK, body, "application/json", "no-store")

    def _file(self, path, kind, cache):
        try:
            body = path.read_bytes()
        except OSError:  # pruned between the check and the read
            return self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")
        return self._send(HTTPStatus.OK, body, kind, cache)

    def _send(self, status, body, kind, cache="no-store"):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the tab was closed
            self.wfile.write(body)


def make_server(proofer, port=DEFAULT_PORT):
    """A threading HTTP server on 127.0.0.1 only (port 0: any free port)."""
    handler = type("ProofHandler", (Handler,), {"proofer": proofer})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server

"""The network, for `lotwise prices fetch`: one download with a timeout, a User-Agent and a
size cap (urllib.request, the standard library). Only the CLI reads the network, as only it
reads the clock; the engine imports the bytes (engine/fetched_prices.py). A URL is http(s)
or file://; anything else is a local path. Every failure is a FetchError with a message a
user can act on (no network, a name that does not resolve, a timeout, an HTTP error status,
a body past the cap or shorter than the server said), never a traceback."""

from __future__ import annotations

from pathlib import Path

NAVALL_URL = "https://www.amfiindia.com/spages/NAVAll.txt"
HISTORY_URL = "https://portal.amfiindia.com/DownloadNAVHistoryReport_Po.aspx?frmdt={first}&todt={last}"
URL_ENV = "LOTWISE_AMFI_URL"  # overrides NAVALL_URL (the --url option overrides both)
MAX_BYTES = 64 << 20  # NAVAll.txt is about 2 MB; a bigger body is not it (or a history of too long a range)
CHUNK = 1 << 16


class FetchError(Exception):
    """A download that failed: `str()` says why, in a user's words."""


def user_agent() -> str:
    from engine import __version__

    return f"lotwise/{__version__} (prices fetch; Python urllib)"


def download(url: str, *, timeout: float, max_bytes: int = MAX_BYTES) -> bytes:
    """The body at `url` (http, https or file://; else a local path), at most `max_bytes`."""
    if "://" not in url:
        return _local(Path(url), max_bytes)
    scheme = url.split("://", 1)[0].lower()
    if scheme not in ("http", "https", "file"):
        raise FetchError(f"{url}: lotwise downloads over http, https or file://, not {scheme}://")
    import socket
    import urllib.error
    import urllib.request
    from http.client import HTTPException

    request = urllib.request.Request(url, headers={"User-Agent": user_agent(), "Accept": "text/plain, */*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _body(response, url, max_bytes)
    except urllib.error.HTTPError as e:
        raise FetchError(f"{url}: the server answered HTTP {e.code} {e.reason}{_hint(e.code)}") from None
    except urllib.error.URLError as e:
        raise FetchError(f"{url}: {_reason(e.reason)}") from None
    except (TimeoutError, socket.timeout):
        raise FetchError(f"{url}: no answer within {timeout:g} s (give more time with --timeout SECONDS)") from None
    except (HTTPException, ConnectionError, OSError, ValueError) as e:
        raise FetchError(f"{url}: the download failed: {e or type(e).__name__}") from None


def _body(response: object, url: str, max_bytes: int) -> bytes:
    """The response read in chunks, refused past `max_bytes`."""
    from http.client import IncompleteRead

    parts: list[bytes] = []
    size = 0
    while True:
        try:
            chunk = response.read(CHUNK)  # type: ignore[attr-defined]
        except IncompleteRead:
            raise FetchError(f"{url}: the download was cut short after {size:,} bytes; try again") from None
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{url}: the body is larger than {max_bytes:,} bytes, which AMFI's file never is; "
                             "check the URL")
        parts.append(chunk)
    said = getattr(response, "headers", {}).get("Content-Length", "")
    if said.isdigit() and size < int(said):  # the connection closed early (http.client does not say so)
        raise FetchError(f"{url}: the download was cut short after {size:,} of {int(said):,} bytes; try again")
    return b"".join(parts)


def _local(path: Path, max_bytes: int) -> bytes:
    try:
        with path.open("rb") as handle:
            return _body(handle, str(path), max_bytes)
    except FileNotFoundError:
        raise FetchError(f"cannot find `{path}`; give a URL (http://, https://, file://) or a file's path") from None
    except IsADirectoryError:
        raise FetchError(f"`{path}` is a directory, not a file") from None
    except OSError as e:
        raise FetchError(f"cannot read `{path}`: {e.strerror or e}") from None


def _hint(status: int) -> str:
    if status == 404:
        return " (no file at that URL: check it, or the AMFI site has moved it)"
    if status >= 500:
        return " (the server's own error: try again later)"
    return ""


def _reason(reason: object) -> str:
    """What a URLError's reason means to a user: a name that does not resolve, no network, a
    refused connection, a timeout."""
    import socket

    if isinstance(reason, socket.gaierror):
        return "the server's name does not resolve (no network, or a wrong host name)"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "no answer in time (give more time with --timeout SECONDS)"
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused (nothing answers at that address)"
    if isinstance(reason, OSError):
        return f"cannot connect: {reason.strerror or reason}"
    return f"cannot download: {reason}"

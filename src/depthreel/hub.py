"""Network helpers shared by the plugins that download weights (Hugging Face hub, URLs).

One short probe decides whether a server can be reached before a slow, retrying download
starts; HF_HUB_OFFLINE=1 (or TRANSFORMERS_OFFLINE=1) forbids the network altogether.
"""

from __future__ import annotations

import os
import ssl
import urllib.error
import urllib.request

PROBE_TIMEOUT = 3.0  # seconds to wait for a server before declaring it unreachable


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def hub_offline() -> bool:
    """True when HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) forbids network access."""
    return _truthy(os.environ.get("HF_HUB_OFFLINE")) or _truthy(
        os.environ.get("TRANSFORMERS_OFFLINE")
    )


def one_line(exc: BaseException) -> str:
    """An exception's message on one line of at most 200 characters."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def hub_endpoint() -> str:
    """The Hugging Face hub's address ($HF_ENDPOINT or huggingface.co)."""
    return (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")


def probe_url(url: str, timeout: float = PROBE_TIMEOUT) -> int | None:
    """One HEAD request, no retries: the HTTP status (0 when only TLS answered), or None
    when nothing answered in time."""
    request = urllib.request.Request(url, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)  # the server answered
    except ssl.SSLError:
        return 0  # something answered TLS; let the downloader (own CA settings) decide
    except (urllib.error.URLError, OSError, ValueError):
        return None


def probe_hub(model_id: str | None = None, timeout: float = PROBE_TIMEOUT) -> int | None:
    """probe_url on the hub (the model's API page when given)."""
    return probe_url(hub_endpoint() + (f"/api/models/{model_id}" if model_id else ""), timeout)

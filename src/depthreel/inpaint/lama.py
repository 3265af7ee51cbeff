"""LaMa (Suvorov et al. 2022, "big-lama"): a learned inpainter for the revealed background.

The network is the TorchScript export that lama-cleaner/IOPaint publish: `model(image,
mask)` with image (1, 3, H, W) RGB in [0, 1], mask (1, 1, H, W) 1 in the hole, H and W
multiples of 8, giving (1, 3, H, W) RGB in [0, 1]. It comes from option model=, else
$DEPTHREEL_LAMA_MODEL, else DEFAULT_URL, and may be

- a local file (a path that exists, is absolute, or starts with . or ~);
- an https:// URL, downloaded once into torch's hub cache (~/.cache/torch/hub/checkpoints);
- a Hugging Face file "owner/repo/filename", through huggingface_hub's cache.

`load()` fails fast, in one line, when the weights are neither on disk nor downloadable
(HF_HUB_OFFLINE=1 forbids the network; otherwise one short probe decides). torch is imported
inside functions only. Depth is not the network's business: the hole's depth is the far-side
push-pull of the known depth (depthreel.inpaint.pyramid.far_push_pull), as for the default
inpainter, so the revealed background continues the background's surface.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlparse

import cv2
import numpy as np

from depthreel.cache import file_digest
from depthreel.errors import DepthreelError
from depthreel.hub import hub_endpoint, hub_offline, one_line, probe_hub, probe_url
from depthreel.inpaint import Inpainter
from depthreel.inpaint.pyramid import far_push_pull
from depthreel.outputs import atomic_output

DEFAULT_URL = "https://github.com/Sanster/models/releases/download/add_big_lama/big-lama.pt"
DEFAULT_MD5 = "e3aa4aaa15225a33ec84f9f4bc47e500"  # of DEFAULT_URL, as lama-cleaner checks it
MODEL_ENV = "DEPTHREEL_LAMA_MODEL"
MULTIPLE = 8  # the network halves the image three times
MAX_SIDE = 1024  # larger views are filled at this size, then enlarged (the hole only)
_NETWORKS: dict[str, Any] = {}  # loaded TorchScript modules per weights file, this process


class LamaUnavailable(DepthreelError):
    """The LaMa weights cannot be loaded here; the message says why and how to get them."""


def resolve_model(option: str | None = None) -> str:
    """The weights to use: the option, else $DEPTHREEL_LAMA_MODEL, else DEFAULT_URL."""
    return option or os.environ.get(MODEL_ENV) or DEFAULT_URL


def _is_local(model: str) -> bool:
    return os.path.exists(model) or os.path.isabs(model) or model.startswith((".", "~"))


def _how_to_get(model: str) -> str:
    if _is_local(model):
        return f"point {MODEL_ENV} or model= to a downloaded big-lama.pt"
    return f"run once with network access, or download {DEFAULT_URL} and set {MODEL_ENV} to it"


def _from_url(url: str) -> Path:
    """The file at `url` in torch's hub cache, downloaded (and checked) if it is not there."""
    import torch.hub

    target = Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(urlparse(url).path)
    if target.is_file():
        return target
    why = "HF_HUB_OFFLINE is set" if hub_offline() else ""
    if not why and probe_url(url) is None:
        why = f"{urlparse(url).netloc} cannot be reached"
    if why:
        raise LamaUnavailable(f"LaMa weights {target.name} are not downloaded and {why}")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Under its own name only once whole and checked (a failed download leaves nothing).
    with atomic_output(target, force=False) as partial:
        try:
            torch.hub.download_url_to_file(url, str(partial), progress=True)
        except OSError as exc:
            raise LamaUnavailable(f"cannot download LaMa weights {url}: {one_line(exc)}") from None
        if url == DEFAULT_URL and file_digest(partial, "md5") != DEFAULT_MD5:
            raise LamaUnavailable(f"the download of {url} is corrupt (MD5 mismatch)")
    return target


def _from_hub(spec: str) -> Path:
    """The file "owner/repo/filename" from the Hugging Face hub's cache, downloaded if needed."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

    owner, repo, filename = spec.split("/", 2)
    repo_id = f"{owner}/{repo}"
    try:
        return Path(hf_hub_download(repo_id, filename, local_files_only=True))
    except (LocalEntryNotFoundError, EntryNotFoundError, OSError):
        pass
    why = "HF_HUB_OFFLINE is set" if hub_offline() else ""
    if not why and probe_hub(repo_id) is None:
        why = f"{hub_endpoint()} cannot be reached"
    if why:
        raise LamaUnavailable(f"{spec} is not in the local cache and {why}")
    try:
        return Path(hf_hub_download(repo_id, filename))
    except (EntryNotFoundError, OSError, ValueError) as exc:
        raise LamaUnavailable(f"cannot download {spec}: {one_line(exc)}") from None


def weights_file(model: str) -> Path:
    """The local file of the weights `model` names (see the module docstring)."""
    try:
        if _is_local(model):
            path = Path(model).expanduser()
            if not path.is_file():
                raise LamaUnavailable(f"LaMa weights {path} do not exist")
            return path
        if model.startswith(("https://", "http://")):
            return _from_url(model)
        if model.count("/") >= 2:
            return _from_hub(model)
        raise LamaUnavailable(f"'{model}' is no file, URL or hub file (owner/repo/filename)")
    except LamaUnavailable as exc:
        raise LamaUnavailable(f"{exc} ({_how_to_get(model)})") from None


def load_network(path: Path) -> Any:
    """The TorchScript module in `path`, on the CPU, cached per process."""
    key = str(path.resolve())
    if key not in _NETWORKS:
        import torch

        try:
            with warnings.catch_warnings():  # TorchScript is deprecated, but it is the format
                warnings.simplefilter("ignore", DeprecationWarning)  # the weights come in
                network = torch.jit.load(key, map_location="cpu")
        except (RuntimeError, ValueError, OSError) as exc:
            raise LamaUnavailable(f"{path} is no TorchScript LaMa model: {one_line(exc)}") from None
        _NETWORKS[key] = network.eval()
    return _NETWORKS[key]


def run_network(network: Any, rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The network's (H, W, 3) float32 fill of rgb (H, W, 3) where mask (H, W) is True.

    Pads to multiples of MULTIPLE (edge pixels and their mask repeated) and
    blanks the hole in the input, as LaMa was trained.
    """
    import torch

    h, w = mask.shape
    pad = ((0, -h % MULTIPLE), (0, -w % MULTIPLE))
    image = np.pad(np.where(mask[..., None], 0.0, rgb), (*pad, (0, 0)), mode="edge")
    holes = np.pad(mask, pad, mode="edge").astype(np.float32)  # copies of holes stay holes
    x = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)[None], np.float32))
    m = torch.from_numpy(holes[None, None])
    with torch.inference_mode():
        out = network(x, m)
    filled = out[0].float().clamp(0.0, 1.0).numpy().transpose(1, 2, 0)[:h, :w]
    return np.ascontiguousarray(filled, np.float32)


class LamaInpainter(Inpainter):
    """LaMa's learned fill for the revealed background (downloads ~200 MB of weights once).

    Options: model= (file, URL or hub file, see depthreel.inpaint.lama), max_side= (default
    1024: larger views are filled at that size and the fill enlarged).
    """

    name: ClassVar[str] = "lama"
    description: ClassVar[str] = "LaMa learned inpainting (big-lama, downloads ~200 MB once)"

    def __init__(self, **options: Any) -> None:
        # The resolved model goes into the options, so the layer cache tells fills apart.
        super().__init__(**{**options, "model": resolve_model(options.get("model"))})
        self.max_side = int(options.get("max_side", MAX_SIDE))
        if self.max_side < MULTIPLE:
            raise DepthreelError(f"inpainter 'lama': max_side must be at least {MULTIPLE}")
        self._path: Path | None = None

    def load(self) -> None:
        self._path = weights_file(self.options["model"])

    def inpaint(
        self,
        rgb: np.ndarray,
        depth: np.ndarray,
        hole: np.ndarray,
        context: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        if self._path is None:
            self.load()
        assert self._path is not None
        network = load_network(self._path)
        # The network has no context mask: what may not be copied from is hole to it.
        mask = hole if context is None else hole | ~context
        h, w = hole.shape
        scale = min(1.0, self.max_side / max(h, w))
        if scale < 1.0:
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
            small_mask = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
            filled = run_network(network, small, small_mask)
            filled = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR)
        else:
            filled = run_network(network, np.asarray(rgb, np.float32), mask)
        known = (~mask & (depth > 0)).astype(np.float32)
        _, far_depth = far_push_pull(np.asarray(rgb, np.float32), depth, known)
        out_rgb, out_depth = rgb.copy(), depth.copy()
        out_rgb[hole] = filled[hole]
        out_depth[hole] = far_depth[hole]
        return out_rgb, out_depth

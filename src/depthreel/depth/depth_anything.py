"""Depth Anything V2 (Small by default) through Hugging Face transformers.

The model is a hub id or a local directory: option model=, else the DEPTHREEL_DEPTH_MODEL
environment variable, else depth-anything/Depth-Anything-V2-Small-hf. `load()` fails fast
with EstimatorUnavailable when the weights are neither on disk nor downloadable: the local
cache is tried first, HF_HUB_OFFLINE=1 forbids the network, and otherwise one short probe
decides whether the hub can be reached before transformers' slow retrying download starts.

torch and transformers are imported inside functions only, so importing this module (as the
CLI does for `--help` and `list`) stays cheap.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np

from depthreel.depth.base import DepthEstimator, EstimatorUnavailable
from depthreel.depth.convert import upsample_guided
from depthreel.hub import hub_endpoint, hub_offline, one_line, probe_hub

DEFAULT_MODEL = "depth-anything/Depth-Anything-V2-Small-hf"
MODEL_ENV = "DEPTHREEL_DEPTH_MODEL"
MAX_INPUT_SIDE = 1024  # the processor resizes to ~518 px anyway; shrink huge photos first
# Loaded (processor, model) pairs, per resolved model id or directory, for this process.
_MODELS: dict[str, tuple[Any, Any]] = {}


class ModelUnavailable(EstimatorUnavailable):
    """The model cannot be loaded; `reason` says why and `hint` how to get it."""

    def __init__(self, reason: str, hint: str) -> None:
        super().__init__(f"{reason} ({hint})")
        self.reason = reason
        self.hint = hint


def resolve_model(option: str | None = None) -> str:
    """The model to load: the option, else $DEPTHREEL_DEPTH_MODEL, else the default id."""
    return option or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def is_local(model: str) -> bool:
    """Whether `model` names a directory rather than a hub id ("owner/name")."""
    if os.path.exists(model) or os.path.isabs(model) or model.startswith((".", "~")):
        return True
    return "\\" in model or model.count("/") > 1


def how_to_get(model: str = DEFAULT_MODEL) -> str:
    """One-line advice for getting `model` onto this machine."""
    if is_local(model):
        return f"point {MODEL_ENV} or model= to a downloaded copy of {DEFAULT_MODEL}"
    return f"run once with network access, or download {model} and set {MODEL_ENV}=/path/to/it"


def _load_pair(source: str, local_only: bool) -> tuple[Any, Any]:
    """Load processor and model with transformers; convert loading failures."""
    try:
        from huggingface_hub.errors import EntryNotFoundError
        from transformers import AutoImageProcessor, AutoModelForDepthEstimation
        from transformers.utils import logging as hf_logging
    except ImportError as exc:
        raise ModelUnavailable(
            f"transformers cannot be imported ({one_line(exc)})",
            "reinstall depthreel: pip install --force-reinstall depthreel",
        ) from None
    bar_was_on = hf_logging.is_progress_bar_enabled()
    if local_only and bar_was_on:
        hf_logging.disable_progress_bar()  # no "Loading weights" bar on every run
    try:
        processor = AutoImageProcessor.from_pretrained(source, local_files_only=local_only)
        model = AutoModelForDepthEstimation.from_pretrained(source, local_files_only=local_only)
    except (OSError, ValueError, EntryNotFoundError) as exc:
        raise ModelUnavailable(
            f"cannot load depth model {source}: {one_line(exc)}", how_to_get(source)
        ) from None
    finally:
        if local_only and bar_was_on:
            hf_logging.enable_progress_bar()
    model.eval()
    return processor, model


def load_model(model: str) -> tuple[Any, Any]:
    """(processor, model) for a hub id or directory, cached per process."""
    if model in _MODELS:
        return _MODELS[model]
    if is_local(model):
        path = Path(model).expanduser()
        if not path.is_dir():
            raise ModelUnavailable(
                f"depth model directory {path} does not exist", how_to_get(model)
            )
        if not (path / "config.json").is_file():
            raise ModelUnavailable(
                f"{path} has no config.json, so it is no transformers model", how_to_get(model)
            )
        pair = _load_pair(str(path), local_only=True)
    else:
        pair = _load_hub_model(model)
    _MODELS[model] = pair
    return pair


def _load_hub_model(model_id: str) -> tuple[Any, Any]:
    from huggingface_hub import try_to_load_from_cache

    offline = hub_offline()
    if isinstance(try_to_load_from_cache(model_id, "config.json"), str):
        try:
            return _load_pair(model_id, local_only=True)
        except ModelUnavailable:
            if offline:
                raise
            # A partial cache: download what is missing below.
    if offline:
        raise ModelUnavailable(
            f"{model_id} is not in the local cache and HF_HUB_OFFLINE is set", how_to_get(model_id)
        )
    status = probe_hub(model_id)
    if status is None:
        raise ModelUnavailable(
            f"{model_id} is not in the local cache and {hub_endpoint()} cannot be reached",
            how_to_get(model_id),
        )
    if status == 404:
        raise ModelUnavailable(
            f"no model {model_id} on {hub_endpoint()}",
            f"check the model id, or set {MODEL_ENV} to a local model directory",
        )
    return _load_pair(model_id, local_only=False)


class DepthAnythingEstimator(DepthEstimator):
    """Depth Anything V2 relative depth (default when its weights are available).

    Options: model= (hub id or local directory), refine= (default True: upsample the
    prediction with a guided filter so depth edges follow the photo's edges; False: bicubic).
    """

    name: ClassVar[str] = "depth-anything"
    description: ClassVar[str] = "Depth Anything V2 Small neural depth (downloads ~100 MB once)"
    priority: ClassVar[int] = 10

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.model = resolve_model(options.get("model"))
        self.refine = bool(options.get("refine", True))

    def cache_key(self) -> str:
        return f"{self.name}:{self.model}:refine={self.refine}"

    def load(self) -> None:
        load_model(self.model)

    def predict(self, image: np.ndarray) -> np.ndarray:
        """The model's raw (h', w') relative inverse depth at its own resolution, >= 0."""
        import torch

        processor, model = load_model(self.model)
        rgb: np.ndarray = np.asarray(image, dtype=np.float32)
        h, w = rgb.shape[:2]
        scale = MAX_INPUT_SIDE / max(h, w)
        if scale < 1.0:
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        rgb = np.clip(rgb, 0.0, 1.0)
        inputs = processor(images=rgb, return_tensors="pt", do_rescale=False)
        with torch.inference_mode():
            predicted = model(pixel_values=inputs["pixel_values"].to("cpu")).predicted_depth
        pred = predicted[0].float().cpu().numpy()
        return np.maximum(np.nan_to_num(pred, nan=0.0, posinf=0.0, neginf=0.0), 0.0)

    def estimate(self, image: np.ndarray) -> np.ndarray:
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an (H, W, 3) RGB image, got shape {image.shape}")
        pred = self.predict(image)
        h, w = image.shape[:2]
        if self.refine:
            out = upsample_guided(pred, image)
        else:
            out = cv2.resize(pred, (w, h), interpolation=cv2.INTER_CUBIC)
        return np.maximum(out, 0.0).astype(np.float32, copy=False)

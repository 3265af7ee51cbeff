"""Depth estimation: estimators (plugins), user-supplied maps, and depth conversions."""

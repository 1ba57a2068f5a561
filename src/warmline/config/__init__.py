"""Policy files: schema, loading with precise errors, and the embedded default."""
from .load import check_text, default_text, load_policy

__all__ = ["check_text", "default_text", "load_policy"]

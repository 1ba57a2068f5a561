"""Optional model-backed scorers. Their scores enter the core as inputs; the core never loads a model."""

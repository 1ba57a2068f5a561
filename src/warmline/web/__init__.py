"""HTTP: the FastAPI app factory, the JSON API, one error shape."""

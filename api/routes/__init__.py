"""One router per resource; ``api.main`` includes the ones listed in ``ROUTERS``."""

"""Knowledge store: guidance documents chunked by heading, embedded with the multilingual
USE v3 encoder and searched through Chroma.

``embeddings`` registers the embedding function with Chroma on import (``store`` imports
it), so a reopened collection rebuilds it instead of Chroma's downloading default.
"""

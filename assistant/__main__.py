"""``python -m assistant`` is the ``coach`` command."""

from .cli import main

main()

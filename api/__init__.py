"""The HTTP service: REST and streaming API plus the managers' web page (``coach serve``)."""

"""The coaching graph: analyze -> retrieve -> critique -> development_actions -> rewrite ->
verify."""

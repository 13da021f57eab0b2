"""The model layer: one gateway over LiteLLM, the embedded llama.cpp provider, PII redaction
and a scripted fake for tests. Import submodules directly; this package imports nothing heavy."""

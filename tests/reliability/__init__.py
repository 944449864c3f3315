"""The reliability and security proof: chaos, poison messages, tenant isolation, fuzzing, erasure.

Reduced size in `make test` (tests/reliability/test_reliability.py); full size with
`make reliability` (`uv run python -m tests.reliability --size full`). See docs/reliability.md.
"""

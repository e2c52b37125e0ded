"""Compiled theme templates kept in memory, so each language's build does not compile them again.

MkDocs makes a new Jinja environment for every build; Material's ~40 templates are compiled for
each (a few tenths of a second per language, and per `kb serve` rebuild). The compiled code is
reused only for the same template source under the same Jinja settings.
"""

from __future__ import annotations

from typing import Any

import jinja2
from jinja2.bccache import Bucket


class MemoryBytecodeCache(jinja2.BytecodeCache):
    """A process-wide Jinja bytecode cache, keyed by template, source checksum and settings."""

    def __init__(self) -> None:
        self._code: dict[tuple[Any, ...], Any] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(self._key(bucket))
        if code is not None:
            bucket.code = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self._code[self._key(bucket)] = bucket.code

    @staticmethod
    def _key(bucket: Bucket) -> tuple[Any, ...]:
        env = bucket.environment
        settings = (
            tuple(sorted(env.extensions)),
            env.block_start_string, env.block_end_string,
            env.variable_start_string, env.variable_end_string,
            env.comment_start_string, env.comment_end_string,
            env.line_statement_prefix, env.line_comment_prefix,
            env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline,
            env.optimized, env.is_async,
        )
        return (bucket.key, bucket.checksum, settings)


CACHE = MemoryBytecodeCache()

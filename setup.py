"""The optional C part of resbot: retrieval's column scores in one pass
(bot/core/_fused.c). Everything else about the package is in pyproject.toml.

`optional=True`: without a C compiler (e.g. the python:3.11-slim image) the
install goes on without it and retrieval computes the same scores with numpy.
-ffp-contract=off: no fused multiply-add, so the scores equal numpy's bit for bit.
"""

import sys

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "bot.core._fused",
            ["bot/core/_fused.c"],
            optional=True,
            extra_compile_args=[] if sys.platform == "win32" else ["-ffp-contract=off"],
        )
    ]
)

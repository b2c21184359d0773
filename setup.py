"""Build the optional C kernel; all project metadata lives in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "sco.aggregators._orderstats_c",
            ["sco/aggregators/_orderstats_c.c"],
            optional=True,
            extra_compile_args=["-O3"],
        )
    ]
)

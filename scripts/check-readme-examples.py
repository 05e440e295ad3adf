#!/usr/bin/env python3
"""Checks that every README code block marked `<!-- tested: path -->` is that file verbatim.

The examples in README.md are the files the language test suites run, so a README that drifts
from them fails the test suite instead of misleading a reader.
"""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
readme = (root / "README.md").read_text(encoding="utf-8")
marked = re.findall(r"<!-- tested: (\S+) -->\s*```[a-z]*\n(.*?)```", readme, flags=re.S)
if not marked:
    sys.exit("README.md has no tested examples")
failures = 0
for path, block in marked:
    source = (root / path).read_text(encoding="utf-8")
    if block.strip() != source.strip():
        print(f"README.md example differs from {path}")
        failures += 1
print(f"{len(marked) - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)

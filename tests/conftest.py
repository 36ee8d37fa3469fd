"""Suite-wide test settings.

Under CI (CI=true) Hypothesis runs derandomized: every run draws the same examples, so a CI
result is reproducible and no rare random instance can make one run slow or flaky. Locally the
examples vary run to run, which is how new counterexamples are found.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")

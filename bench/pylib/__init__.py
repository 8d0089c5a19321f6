# SPDX-License-Identifier: MIT
"""The benchmark driver behind bench/run (Python 3 standard library only)."""

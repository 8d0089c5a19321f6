# SPDX-License-Identifier: MIT
coffer_fuzz_target(sasl_step SOURCES sasl_step.c LIBS coffer_auth)

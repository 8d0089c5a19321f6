# SPDX-License-Identifier: MIT
coffer_fuzz_target(loadgen_imap SOURCES loadgen_imap.c LIBS coffer_bench)

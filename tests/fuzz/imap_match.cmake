# SPDX-License-Identifier: MIT
coffer_fuzz_target(imap_match SOURCES imap_match.c LIBS coffer_imap)

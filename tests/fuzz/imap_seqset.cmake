# SPDX-License-Identifier: MIT
coffer_fuzz_target(imap_seqset SOURCES imap_seqset.c LIBS coffer_imap)

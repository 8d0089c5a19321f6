# SPDX-License-Identifier: MIT
coffer_fuzz_target(imap_utf7 SOURCES imap_utf7.c LIBS coffer_imap)

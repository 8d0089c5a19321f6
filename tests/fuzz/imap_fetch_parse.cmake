# SPDX-License-Identifier: MIT
coffer_fuzz_target(imap_fetch_parse
    SOURCES imap_fetch_parse.c imap-fuzz-util.c LIBS coffer_imap)

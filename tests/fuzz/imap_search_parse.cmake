# SPDX-License-Identifier: MIT
coffer_fuzz_target(imap_search_parse
    SOURCES imap_search_parse.c imap-fuzz-util.c LIBS coffer_imap)

# SPDX-License-Identifier: MIT
coffer_fuzz_target(imap_search_eval
    SOURCES imap_search_eval.c imap-fuzz-util.c LIBS coffer_imapd)

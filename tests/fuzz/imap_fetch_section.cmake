# SPDX-License-Identifier: MIT
coffer_fuzz_target(imap_fetch_section
    SOURCES imap_fetch_section.c imap-fuzz-util.c LIBS coffer_imapd)

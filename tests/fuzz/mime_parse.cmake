# SPDX-License-Identifier: MIT
coffer_fuzz_target(mime_parse
    SOURCES mime_parse.c mime-imap-check.c LIBS coffer_mime)

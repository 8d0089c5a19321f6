# SPDX-License-Identifier: MIT
coffer_fuzz_target(mime_text SOURCES mime_text.c mime-imap-check.c
    LIBS coffer_mime)

# SPDX-License-Identifier: MIT
coffer_fuzz_target(mime_summary_parse
    SOURCES mime_summary_parse.c LIBS coffer_mime)

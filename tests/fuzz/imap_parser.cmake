# SPDX-License-Identifier: MIT
coffer_fuzz_target(imap_parser
    SOURCES imap_parser.c imap-fuzz-util.c LIBS coffer_imap)

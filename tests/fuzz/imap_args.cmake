# SPDX-License-Identifier: MIT
coffer_fuzz_target(imap_args
    SOURCES imap_args.c imap-fuzz-util.c LIBS coffer_imap)

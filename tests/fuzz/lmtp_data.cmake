# SPDX-License-Identifier: MIT
coffer_fuzz_target(lmtp_data SOURCES lmtp_data.c LIBS coffer_lmtp)

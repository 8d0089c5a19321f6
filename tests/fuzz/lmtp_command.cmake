# SPDX-License-Identifier: MIT
coffer_fuzz_target(lmtp_command SOURCES lmtp_command.c LIBS coffer_lmtp)

# SPDX-License-Identifier: MIT
coffer_fuzz_target(account_record SOURCES account_record.c LIBS coffer_auth)

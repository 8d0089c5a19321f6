# SPDX-License-Identifier: MIT
coffer_fuzz_target(login_names SOURCES login_names.c LIBS coffer_proto)

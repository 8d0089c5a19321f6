# SPDX-License-Identifier: MIT
coffer_fuzz_target(pop3_command SOURCES pop3_command.c
    LIBS coffer_proto_pop3)

# SPDX-License-Identifier: MIT
coffer_fuzz_target(pop3_stuff SOURCES pop3_stuff.c LIBS coffer_proto_pop3)

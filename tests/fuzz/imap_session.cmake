# SPDX-License-Identifier: MIT
# The whole IMAP server over a stand-in connection (no coffer_net, no
# coffer_proto: imap_session.c provides the functions it uses).
coffer_fuzz_target(imap_session
    SOURCES imap_session.c
    LIBS coffer_imapd coffer_imap coffer_mime coffer_store coffer_auth
         coffer_config coffer_lib)

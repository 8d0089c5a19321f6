# SPDX-License-Identifier: MIT
coffer_fuzz_target(config_load SOURCES config_load.c LIBS coffer_config)

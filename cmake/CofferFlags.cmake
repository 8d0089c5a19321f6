# SPDX-License-Identifier: MIT
# Compiler flags shared by every target.

add_compile_definitions(_GNU_SOURCE)
add_compile_options(
    -Wall -Wextra -Werror
    -Wformat=2 -Wshadow -Wpointer-arith -Wstrict-prototypes
    -Wmissing-prototypes -Wvla -Wwrite-strings -Wundef
    -Wno-unused-parameter
    -fno-strict-aliasing
)
# gcc only: clang (the fuzz preset) rejects the unknown option under -Werror
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-format-truncation)
endif()

if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
    # truncation by snprintf is deliberate where it is used
    add_compile_options(-Wno-format-truncation)
endif()

if(CMAKE_BUILD_TYPE STREQUAL "Release")
    add_compile_options(-O2)
    add_compile_definitions(NDEBUG)
elseif(CMAKE_BUILD_TYPE STREQUAL "Debug")
    add_compile_options(-O1 -g -fno-omit-frame-pointer)
endif()

# libFuzzer needs coverage instrumentation in every library it exercises,
# not only in the target's own file.
if(COFFER_FUZZ)
    add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(COFFER_SANITIZE)
    set(_san -fsanitize=address,undefined -fno-sanitize-recover=undefined
        -fno-omit-frame-pointer)
    add_compile_options(${_san})
    add_link_options(${_san})
    add_compile_definitions(COFFER_SANITIZED=1)
endif()

# Fuzzing: instrument every library for coverage, so libFuzzer sees more
# than the harness itself (the targets add -fsanitize=fuzzer to link).
if(COFFER_FUZZ)
    add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# Position-independent executables and hardening for release builds.
add_compile_options(-fstack-protector-strong)
if(NOT COFFER_SANITIZE AND CMAKE_BUILD_TYPE STREQUAL "Release")
    add_compile_definitions(_FORTIFY_SOURCE=2)
endif()
set(CMAKE_POSITION_INDEPENDENT_CODE ON)

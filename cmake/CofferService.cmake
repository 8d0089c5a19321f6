# SPDX-License-Identifier: MIT
# Protocol services plug into cofferd by registering themselves:
#
#   coffer_service(<name> <library>)
#
# in their own CMakeLists.txt (src/proto/<name>/), where <library> defines
# `const struct service_def <name>_service` (proto/common/service.h).
# cofferd links every registered library and lists the services in its
# registry (src/daemon/CMakeLists.txt generates the table), in the order
# of COFFER_SERVICE_ORDER; others follow in registration order.

set(COFFER_SERVICE_ORDER lmtp imap pop3 sieve)

function(coffer_service name library)
    set_property(GLOBAL APPEND PROPERTY COFFER_SERVICES ${name})
    set_property(GLOBAL APPEND PROPERTY COFFER_SERVICE_LIBRARIES ${library})
endfunction()

# Sets <out_names> and <out_libs> to the registered services, ordered.
function(coffer_services out_names out_libs)
    get_property(_names GLOBAL PROPERTY COFFER_SERVICES)
    get_property(_libs GLOBAL PROPERTY COFFER_SERVICE_LIBRARIES)
    set(_ordered)
    foreach(n ${COFFER_SERVICE_ORDER})
        if(n IN_LIST _names)
            list(APPEND _ordered ${n})
        endif()
    endforeach()
    foreach(n ${_names})
        if(NOT n IN_LIST _ordered)
            list(APPEND _ordered ${n})
        endif()
    endforeach()
    set(${out_names} ${_ordered} PARENT_SCOPE)
    set(${out_libs} ${_libs} PARENT_SCOPE)
endfunction()

# Writes BuildVersion.cpp (see CMakeLists.txt). Run with cmake -P:
#   -DSOURCE_DIR=… -DOUTPUT=… -DVERSION=… [-DREVISION=…] [-DGIT=…]
set(dirty false)
if(NOT REVISION)
    set(REVISION unknown)
    if(GIT)
        execute_process(COMMAND ${GIT} -C ${SOURCE_DIR} rev-parse --short=12 HEAD
            OUTPUT_VARIABLE _rev OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc ERROR_QUIET)
        if(_rc EQUAL 0 AND _rev MATCHES "^[0-9a-f]+$")
            set(REVISION ${_rev})
            # Tracked files only: build folders and other untracked files do not make a tree dirty.
            execute_process(COMMAND ${GIT} -C ${SOURCE_DIR} status --porcelain --untracked-files=no
                OUTPUT_VARIABLE _status RESULT_VARIABLE _rc ERROR_QUIET)
            if(_rc EQUAL 0 AND NOT _status STREQUAL "")
                set(dirty true)
            endif()
        endif()
    endif()
endif()

set(_text "// Generated at build time by app/version/WriteBuildVersion.cmake; do not edit.
#include \"Version.h\"

namespace dealscope::version {

QString number()
{
    return QStringLiteral(\"${VERSION}\");
}

QString revision()
{
    return QStringLiteral(\"${REVISION}\");
}

bool dirty()
{
    return ${dirty};
}

} // namespace dealscope::version
")

set(_old "")
if(EXISTS ${OUTPUT})
    file(READ ${OUTPUT} _old)
endif()
if(NOT _old STREQUAL _text)
    file(WRITE ${OUTPUT} "${_text}")
endif()

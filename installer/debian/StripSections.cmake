# CPack pre-build script of the .deb (CPACK_PRE_BUILD_SCRIPTS): removes the .comment and .note
# sections from the staged programs, as dh_strip does; CPACK_STRIP_FILES already stripped them.
find_program(_objcopy objcopy REQUIRED)
set(_staging "${CPACK_TEMPORARY_INSTALL_DIRECTORY}")
if(NOT _staging)
    set(_staging "${CPACK_TEMPORARY_DIRECTORY}")
endif()
file(GLOB_RECURSE _programs LIST_DIRECTORIES false "${_staging}/*/bin/*")
if(NOT _programs)
    message(FATAL_ERROR "StripSections: no programs under ${_staging}")
endif()
foreach(program ${_programs})
    execute_process(COMMAND ${_objcopy} --remove-section=.comment --remove-section=.note ${program}
        COMMAND_ERROR_IS_FATAL ANY)
endforeach()

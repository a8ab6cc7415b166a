# Linux: the files a desktop, man and systemd expect, installed under CMAKE_INSTALL_PREFIX.
# A package is configured with -DCMAKE_INSTALL_PREFIX=/usr: the unit's ExecStart= and the
# settings folder (/etc/dealscope) come from the prefix, so they match where the package puts
# the files.
set(DEALSCOPE_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/${CPACK_PACKAGE_NAME})
# GNUInstallDirs makes this /etc for the /usr prefix, PREFIX/etc otherwise.
set(DEALSCOPE_CONFDIR ${CMAKE_INSTALL_FULL_SYSCONFDIR}/dealscope)
find_program(GZIP_EXECUTABLE gzip REQUIRED)

# gzip -9n: what Debian asks for documentation (and the same bytes every time).
function(dealscope_gzip source output)
    add_custom_command(OUTPUT ${output}
        COMMAND ${GZIP_EXECUTABLE} -9nc ${source} > ${output}
        DEPENDS ${source}
        COMMENT "Compressing ${source}")
endfunction()

# Desktop entry, AppStream metadata and icons, all named by the application id, which
# app/desktop/main.cpp also sets as the desktop file name.
if(DEALSCOPE_BUILD_DESKTOP)
    install(FILES linux/${DEALSCOPE_APP_ID}.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
    install(FILES linux/${DEALSCOPE_APP_ID}.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/dealscope.svg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps RENAME ${DEALSCOPE_APP_ID}.svg)
    # PNGs rendered from the SVG by icons/render.sh (committed).
    foreach(size 16 22 24 32 48 64 128 256 512)
        install(FILES icons/hicolor/${size}x${size}/${DEALSCOPE_APP_ID}.png
            DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps)
    endforeach()
endif()

# Man pages from each program's --help (help2man runs the programs at build time, so not in a
# sanitizer build by default and never when cross-compiling).
find_program(HELP2MAN_EXECUTABLE help2man)
set(_man_default OFF)
if(HELP2MAN_EXECUTABLE AND NOT DEALSCOPE_SANITIZE AND NOT CMAKE_CROSSCOMPILING)
    set(_man_default ON)
endif()
option(DEALSCOPE_MANPAGES "Generate and install man pages from the programs' --help (help2man)" ${_man_default})
if(DEALSCOPE_MANPAGES)
    if(NOT HELP2MAN_EXECUTABLE)
        message(FATAL_ERROR "DEALSCOPE_MANPAGES is ON but help2man is not installed (apt-get install help2man)")
    endif()
    set(_pages "")
    function(dealscope_man_page target description)
        cmake_parse_arguments(M "" "SECTION" "COMMANDS" ${ARGN})
        if(NOT TARGET ${target})
            return()
        endif()
        set(output ${CMAKE_CURRENT_BINARY_DIR}/man/${target}.1.gz)
        add_custom_command(OUTPUT ${output}
            COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/man
            COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:${target}> -DHELP2MAN=${HELP2MAN_EXECUTABLE}
                -DGZIP=${GZIP_EXECUTABLE} -DDESCRIPTION=${description}
                -DINCLUDE=${CMAKE_CURRENT_SOURCE_DIR}/man/${target}.h2m -DOUTPUT=${output}
                "-DCOMMANDS=${M_COMMANDS}" "-DCOMMANDS_SECTION=${M_SECTION}"
                -P ${CMAKE_CURRENT_SOURCE_DIR}/man/ManPage.cmake
            DEPENDS ${target} man/ManPage.cmake man/${target}.h2m
            COMMENT "Writing the man page of ${target}"
            VERBATIM)
        install(FILES ${output} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
        set(_pages ${_pages} ${output} PARENT_SCOPE)
    endfunction()
    dealscope_man_page(dealscope "analyse small businesses for sale (desktop app)")
    dealscope_man_page(dealscope-cli "analyse small businesses for sale from a terminal"
        SECTION "COMMAND OPTIONS" COMMANDS import analyze generate jobs resume)
    dealscope_man_page(dealscope-server "Dealscope HTTP job server"
        SECTION "TOKEN COMMAND" COMMANDS token)
    add_custom_target(dealscope_manpages ALL DEPENDS ${_pages})
endif()

# dealscope-server as a service: two units (one process, or one per role) sharing a sandbox,
# and their settings as conffiles under /etc/dealscope.
if(DEALSCOPE_BUILD_SERVER)
    file(READ systemd/sandbox.conf DEALSCOPE_SERVICE_SANDBOX)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS systemd/sandbox.conf)
    foreach(unit dealscope-server.service dealscope-server@.service)
        configure_file(systemd/${unit}.in ${CMAKE_CURRENT_BINARY_DIR}/${unit} @ONLY)
        # systemd reads units shipped by packages from PREFIX/lib/systemd/system.
        install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${unit} DESTINATION lib/systemd/system)
    endforeach()
    set(DEALSCOPE_CONFFILES "")
    foreach(conf server.conf server-api.conf server-worker.conf)
        install(FILES systemd/${conf} DESTINATION ${DEALSCOPE_CONFDIR})
        list(APPEND DEALSCOPE_CONFFILES ${DEALSCOPE_CONFDIR}/${conf})
    endforeach()
endif()

# Documentation.
dealscope_gzip(${PROJECT_SOURCE_DIR}/README.md ${CMAKE_CURRENT_BINARY_DIR}/doc/README.md.gz)
dealscope_gzip(${PROJECT_SOURCE_DIR}/CHANGELOG.md ${CMAKE_CURRENT_BINARY_DIR}/doc/CHANGELOG.md.gz)
dealscope_gzip(${CMAKE_CURRENT_SOURCE_DIR}/debian/changelog ${CMAKE_CURRENT_BINARY_DIR}/doc/changelog.gz)
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/doc)
add_custom_target(dealscope_docs ALL DEPENDS
    ${CMAKE_CURRENT_BINARY_DIR}/doc/README.md.gz ${CMAKE_CURRENT_BINARY_DIR}/doc/CHANGELOG.md.gz
    ${CMAKE_CURRENT_BINARY_DIR}/doc/changelog.gz)
install(FILES debian/copyright
    ${CMAKE_CURRENT_BINARY_DIR}/doc/README.md.gz ${CMAKE_CURRENT_BINARY_DIR}/doc/CHANGELOG.md.gz
    ${CMAKE_CURRENT_BINARY_DIR}/doc/changelog.gz
    DESTINATION ${DEALSCOPE_DOCDIR})
